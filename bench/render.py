"""Render throughput on a 1920x1080 plate, against its necessary parts, in one run.

    python bench/render.py [--frames N] [--device cpu|cuda] [--workspace DIR] [--data ../shared/data]

(a) generator alone: onnxruntime vs PyTorch eager, batch 1 and 8 (default model size, res 128
    liae, random weights: speed does not depend on training), the swap with the destination's
    reconstruction (the occlusion cue's input) as a default render runs it;
(b) decode + layer write alone (the plate read and the RGBA EXR written, nothing in between);
(c) the full render stage (preview off, so it writes what (b) writes);
(d) layer EXR with a data window vs the same layer written full frame.
Targets (2 CPU cores): (c) >= 0.7 x min(a at the render batch, b); (d) >= 3x;
onnxruntime >= 1.2x PyTorch at batch 1 and >= 1.0x at batch 8.
With ``--device cuda`` (a GPU and onnxruntime-gpu), (a) adds onnxruntime CUDA fp32 (IO binding
and plain run) and fp16, and PyTorch CUDA fp32 and fp16 (inputs from and outputs to host memory
for all), and (c) renders on CUDA with the fp16 export. ``--workspace DIR`` keeps the 1080p plate
and its extraction in DIR, or reuses them (a GPU machine without the dlib weights can render a
workspace extracted elsewhere).
"""

from __future__ import annotations

import argparse
import copy
import logging
import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extract import bench_parser, bench_plate, upscale_clip, verdict  # noqa: E402  (same 1080p plate as the extraction benchmark)
from faceplate.export.generator_export import export_generator
from faceplate.faces.faceset import read_faceset
from faceplate.media import FrameRange, open_plate, to_float01
from faceplate.models.autoencoder import build_model
from faceplate.models.config import ModelConfig
from faceplate.models.generator import ReconstructingGenerator, generator_from_model
from faceplate.render.composite import crop_region
from faceplate.render.outputs import RenderPaths, write_layer
from faceplate.runtime import open_model
from faceplate.stages.runner import run_stage
from faceplate.workspace import Workspace, init_workspace, open_workspace
from faceplate.workspace.relink import relink
from faceplate.workspace.workspace import MANIFEST_NAME

BATCH = 8
BENCH_CONSENT_REF = "benchmark: shared test media (plates/), internal use only"


def faces_per_second(run, batch: int, repeats: int) -> float:
    run(batch)  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        run(batch)
    return batch * repeats / (time.perf_counter() - start)


def generator_speeds(export_dir: Path, generator: torch.nn.Module, res: int, device: str) -> dict:
    """faces/s per (engine, batch); CUDA engines only with ``device == "cuda"``."""
    data = {b: np.random.rand(b, 3, res, res).astype(np.float32) for b in (1, BATCH)}
    generator = ReconstructingGenerator(generator)  # what the exported file computes: swap and reconstruction
    engines = {"ort": _ort(export_dir / "generator.onnx", "cpu"), "torch": _torch(generator, "cpu")}
    if device == "cuda":
        engines |= {
            "ort cuda fp32": _ort(export_dir / "generator.onnx", "cuda"),
            "ort cuda fp32 no-binding": _ort(export_dir / "generator.onnx", "cuda", io_binding=False),
            "ort cuda fp16": _ort(export_dir / "generator.fp16.onnx", "cuda"),
            "torch cuda fp32": _torch(generator, "cuda"),
            "torch cuda fp16": _torch(generator, "cuda", torch.float16),
        }
    speeds = {}
    for name, run in engines.items():
        for b in (1, BATCH):
            repeats = max(4, 40 // b) if "cuda" not in name else 200 // b
            speeds[(name, b)] = faces_per_second(lambda n, run=run: run(data[n]), b, repeats)
    return speeds


def _ort(path: Path, device: str, io_binding: bool = True):
    session = open_model(path, device=device, io_binding=io_binding)
    return lambda x: session.run(x)


def _torch(generator: torch.nn.Module, device: str, dtype: torch.dtype = torch.float32):
    """Eager PyTorch from and to host memory, as render would use it."""
    model = copy.deepcopy(generator).to(device, dtype)

    def run(x):
        with torch.inference_mode():
            return [o.float().cpu() for o in model(torch.from_numpy(x).to(device, dtype))]

    return run


def decode_and_write_fps(ws, frames: FrameRange, out: Path) -> float:
    faceset = read_faceset(ws.faceset_dir("destination"))
    by_frame = {r.frame: r for r in faceset.records}
    paths = RenderPaths(out, "decode_write")
    start = time.perf_counter()
    with open_plate(ws.manifest.plate.path) as plate:
        for frame, raw in plate.iter_frames(frames):
            image = to_float01(raw)
            region = crop_region(by_frame[frame].matrix_array, faceset.header["crop_size"], image.shape, 12)
            rgba = np.concatenate([image[region.slices()], np.ones((region.height, region.width, 1), np.float32)], 2)
            write_layer(paths, frame, rgba, region, (image.shape[1], image.shape[0]))
    return len(frames) / (time.perf_counter() - start)


def window_vs_full(out: Path, count: int = 20) -> tuple[float, float]:
    from faceplate.media import write_image

    layer = np.zeros((1080, 1920, 4), np.float32)
    layer[300:700, 800:1150] = np.random.rand(400, 350, 4)
    timings = []
    for windowed in (True, False):
        start = time.perf_counter()
        for i in range(count):
            if windowed:
                write_image(
                    out / f"w.{i:04d}.exr",
                    layer[300:700, 800:1150],
                    pixel_type="half",
                    channel_names=("R", "G", "B", "A"),
                    data_window=(800, 300, 350, 400),
                    display_size=(1920, 1080),
                )
            else:
                write_image(out / f"f.{i:04d}.exr", layer, pixel_type="half", channel_names=("R", "G", "B", "A"))
        timings.append(count / (time.perf_counter() - start))
    return timings[0], timings[1]


def prepared_plate(root: Path, src: Path, frames: FrameRange):
    """The 1080p plate and its extraction in ``root``, made once and reused (also after a move)."""
    plate = root / "s18_1080p.mp4"
    if (root / MANIFEST_NAME).is_file():
        ws = open_workspace(root)
        relink(ws, plate=str(plate.resolve()))  # the folder may have moved to another machine
        return ws
    root.mkdir(parents=True, exist_ok=True)
    upscale_clip(src, plate, (1920, 1080), len(frames))
    ws = init_workspace(root, plate, str(frames), consent_ref=BENCH_CONSENT_REF)
    run_stage(ws, "extract", {"roles": "destination", "crop_size": 256})
    return ws


def plate_parser(doc: str, frames: int) -> argparse.ArgumentParser:
    """``bench_parser`` and ``--workspace``: what the benchmarks on the extracted 1080p plate take."""
    parser = bench_parser(doc, frames)
    parser.add_argument("--workspace", type=Path, help="keep the plate and its extraction here, or reuse them")
    return parser


@contextmanager
def plate_shot(args, script: str) -> Iterator[tuple[Workspace, FrameRange, Path]]:
    """(the 1080p plate's workspace, extracted: ``--workspace`` or one in the temporary folder; its frames;
    a temporary folder, removed afterwards)."""
    src = bench_plate(args.data, script, reused=args.workspace is not None)
    frames = FrameRange(1001, 1000 + args.frames)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        yield prepared_plate(args.workspace or tmp / "shot", src, frames), frames, tmp


def export_default_model(ws, fp16: bool = False):
    """An untrained model of the default size exported into the shot (speed does not depend on the weights);
    the fp16 file only when asked, so a CPU render does not pick it up."""
    config = ModelConfig()
    generator = generator_from_model(build_model(config)).eval()
    export_dir = ws.root / "export"
    meta = {"iterations": 0, "config_hash": config.config_hash()}
    export_generator(generator, config, meta, export_dir / "generator.onnx")
    if fp16:
        export_generator(generator, config, meta, export_dir / "generator.fp16.onnx", precision="fp16")
    else:
        (export_dir / "generator.fp16.onnx").unlink(missing_ok=True)
    return generator, config


def main() -> int:
    parser = plate_parser(__doc__, frames=48)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="cuda adds the GPU figures")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    torch.set_num_threads(os.cpu_count() or 2)
    with plate_shot(args, "bench/render.py") as (ws, frames, tmp):
        generator, config = export_default_model(ws, fp16=args.device == "cuda")
        export_dir = ws.root / "export"

        speeds = generator_speeds(export_dir, generator, config.resolution, args.device)
        for b in (1, BATCH):
            print(
                f"(a) generator batch {b}: "
                + " | ".join(f"{name} {value:6.1f}" for (name, batch), value in speeds.items() if batch == b)
                + " faces/s"
            )
        decode_write = decode_and_write_fps(ws, frames, tmp / "dw")
        print(f"(b) decode + layer write: {decode_write:.1f} frames/s")
        shutil.rmtree(ws.root / "render", ignore_errors=True)  # a reused workspace's frames would be skipped
        result = run_stage(ws, "render", {"batch": BATCH, "preview": False, "device": args.device}).detail
        full = len(result.frames_written) / result.seconds
        print(
            f"(c) full render on {args.device}: {full:.1f} frames/s ({len(result.frames_written)} frames, preview off)"
        )
        windowed, whole = window_vs_full(tmp)
        print(f"(d) layer write: data window {windowed:.1f} frames/s | full frame {whole:.1f} frames/s")

    engine = "ort cuda fp16" if args.device == "cuda" else "ort"
    bound = min(speeds[(engine, BATCH)], decode_write)  # one face per frame
    print(f"RESULT render_vs_slowest_part={full / bound:.3f} target=0.7 {verdict(full / bound >= 0.7)}")
    print(f"RESULT data_window_write_speedup={windowed / whole:.2f} target=3 {verdict(windowed / whole >= 3)}")
    r1, r8 = (speeds[("ort", b)] / speeds[("torch", b)] for b in (1, BATCH))
    print(f"RESULT ort_vs_torch_batch1={r1:.2f} target=1.2 {verdict(r1 >= 1.2)}")
    print(f"RESULT ort_vs_torch_batch8={r8:.2f} target=1.0 {verdict(r8 >= 1.0)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
