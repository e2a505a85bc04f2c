"""Curate and mask throughput (faces/s) on a ~1,000-face faceset, with a read-only baseline.

    python bench/curate.py [--faces 1000] [--crop 256] [--resolution 128] [--data ../shared/data]

Faceset: head_turns/d6.mp4 (1008 frames, one face) extracted at --crop px (outside the timing).
Baseline: reading every crop once (what curate has to do anyway). Then, each on the whole set:
`curate` (all rules incl. landmark re-fit), `mask --landmark-only` (hull + eyes/mouth PNGs), and
`mask` applying a learned model of --resolution through onnxruntime (weights untrained: the
speed does not depend on them). Targets (2 CPU cores): curate >= 100 faces/s (the ratio to the
read-only rate is printed for reference); landmark masks >= 100 faces/s; learned masks at 128 px
>= 20 faces/s on a CPU.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2

from faceplate.faces.faceset import read_faceset
from faceplate.stages.mask import model_paths
from faceplate.stages.runner import run_stage
from faceplate.workspace import init_workspace

DEST = ("destination",)


def build_faceset(data: Path, work: Path, faces: int, crop: int):
    ws = init_workspace(work / "shot", data / "head_turns" / "d6.mp4", f"1001-{1000 + faces}")
    run_stage(ws, "extract", {"roles": "destination", "crop_size": crop})
    return ws


def read_rate(ws) -> float:
    fs = read_faceset(ws.faceset_dir("destination"))
    start = time.perf_counter()
    for record in fs.records:
        cv2.imread(str(fs.crop_path(record)), cv2.IMREAD_COLOR)
    return len(fs.records) / (time.perf_counter() - start)


def timed(label: str, faces: int, run) -> float:
    start = time.perf_counter()
    run()
    rate = faces / (time.perf_counter() - start)
    print(f"{label:<34} {rate:8.1f} faces/s", flush=True)
    return rate


def export_untrained(ws, resolution: int, face_type: str) -> None:
    from faceplate.masks.xseg_export import export_onnx
    from faceplate.masks.xseg_model import XSegConfig, XSegNet

    export_onnx(XSegNet(XSegConfig(resolution=resolution, face_type=face_type)), model_paths(ws)[1])


def result(metric: str, value: float, target: float) -> None:
    print(f"RESULT {metric}={value:.2f} target={target:g} {'PASS' if value >= target else 'FAIL'}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--faces", type=int, default=1000)
    p.add_argument("--crop", type=int, default=256)
    p.add_argument("--resolution", type=int, default=128)
    p.add_argument("--data", type=Path, default=Path(os.environ.get("FACEPLATE_TEST_DATA", "../shared/data")))
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        ws = build_faceset(args.data, Path(tmp), args.faces, args.crop)
        fs = read_faceset(ws.faceset_dir("destination"))
        n = len(fs.records)
        print(f"faceset: {n} faces at {args.crop} px ({time.perf_counter() - started:.0f} s to extract, not timed)")
        read = timed("read crops (baseline)", n, lambda: read_rate(ws))
        cur = timed("curate (all rules)", n, lambda: run_stage(ws, "curate", {"roles": DEST}))
        land = timed("mask --landmark-only", n, lambda: run_stage(ws, "mask", {"roles": DEST, "landmark_only": True}))
        export_untrained(ws, args.resolution, fs.header["face_type"])
        learned = timed(
            f"mask, learned model {args.resolution} px",
            n,
            lambda: run_stage(ws, "mask", {"roles": DEST, "landmark_only": False, "train": False}),
        )
    result("curate_faces_per_s", cur, 100)
    print(f"curate / read-only rate: {cur / read:.3f} (the re-fit of 68 landmarks per face dominates)")
    result("mask_landmark_faces_per_s", land, 100)
    result(f"mask_learned_{args.resolution}px_faces_per_s", learned, 20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
