"""Swap quality on real head turns after a fixed CPU budget: identity moves, expression stays.

    python bench/quality.py [--minutes 15] [--data ../shared/data]

Source head_turns/d18, destination head_turns/d19. The destination is split in blocks of 8
frames; every 4th block is held back (never trained on), so the test frames span the clip's poses.
After training (df, res 64) the held-back crops are swapped and:
- id_fraction: share of held-back frames whose swap (pasted with its predicted mask) is nearer
  the source identity than the destination's (mean dlib embeddings of each faceset). Target >= 0.8.
- expression_ratio: mean 68-landmark error (landmarks re-detected on the swap vs the destination
  crop's, over inter-ocular distance) divided by the same error between destination crops and
  randomly paired source crops. Target <= 0.6. The destination's own reconstruction error
  (dst -> dst) is printed as the floor.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from faceplate.faces.embedding import DlibFaceEmbedder, embedding_distance
from faceplate.faces.faceset import read_faceset, write_faceset
from faceplate.faces.landmarks import DlibLandmarks68
from faceplate.faces.pipeline import ExtractSettings
from faceplate.models import ModelConfig, build_model, load_generator
from faceplate.stages.extract import extract
from faceplate.stages.train import train
from faceplate.training import TrainSettings
from faceplate.training import checkpoint as ckpt
from faceplate.training import evaluate as ev
from faceplate.workspace import init_workspace

MODEL = ModelConfig(arch="df", resolution=64, ae_dims=128, e_dims=32, d_dims=32, d_mask_dims=16)


def hold_back(ws) -> list:
    folder = ws.faceset_dir("destination")
    faceset = read_faceset(folder)
    first = faceset.frames[0]
    held = [r for r in faceset.records if ((r.frame - first) // 8) % 4 == 3]
    for r in held:
        r.status = "rejected"
    write_faceset(folder, faceset.header, faceset.records)
    return held


def reconstruct_dst(ws, crops: np.ndarray) -> np.ndarray:
    weights, config, _ = ckpt.load_weights(ckpt.resolve_checkpoint(ws.root / "model", prefer="best"))
    model = build_model(config).eval()
    model.load_state_dict(weights["model"])

    class Dst(torch.nn.Module):
        def forward(self, x):
            return model.reconstruct_dst(x)

    return ev.swap_crops(Dst(), crops)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("FACEPLATE_TEST_DATA", "../shared/data")))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    turns = args.data / "head_turns"
    with tempfile.TemporaryDirectory() as tmp:
        ws = init_workspace(Path(tmp) / "shot", turns / "d19.mp4", sources=[turns / "d18.mp4"])
        extract(ws, settings=ExtractSettings(crop_size=128), show_progress=False)
        held = hold_back(ws)
        started = time.perf_counter()
        settings = TrainSettings(iterations=None, minutes=args.minutes, batch_size=8, lr=3e-4, lr_warmup=20,
                                 checkpoint_every=500, preview_every=500, seed=1)
        result = train(ws, settings, MODEL, show_progress=False)
        print(f"trained {result.iterations} iterations in {time.perf_counter() - started:.0f} s "
              f"({result.iterations_per_second:.2f} it/s), {len(held)} held-back frames")
        report(ws, held)
    return 0


def report(ws, held) -> None:
    generator, config, _ = load_generator(ws.root)
    res = config.resolution
    dst, src = read_faceset(ws.faceset_dir("destination")), read_faceset(ws.faceset_dir("source"))
    crops = ev.read_crops(dst, held, res)
    faces, masks = ev.swap_crops(generator, crops)
    pasted = np.stack([ev.paste_face(c, f, m) for c, f, m in zip(crops, faces, masks)])
    dst_points = [ev.crop_landmarks(dst, r, res) for r in held]
    embedder, landmarker = DlibFaceEmbedder(), DlibLandmarks68()
    src_kept = [r for r in src.records if r.status == "kept"]
    src_mean = np.mean([r.embedding for r in src_kept], axis=0)
    dst_mean = np.mean([r.embedding for r in dst.records if r.status == "kept"], axis=0)
    swap_points = ev.refit_landmarks(landmarker, pasted, dst_points)
    embeddings = ev.embed_crops(embedder, pasted, swap_points)
    nearer = [embedding_distance(e, src_mean) < embedding_distance(e, dst_mean) for e in embeddings]
    id_fraction = float(np.mean(nearer))
    rng = np.random.default_rng(0)
    pairs = rng.integers(len(src_kept), size=len(held))
    random_err = np.mean([ev.landmark_error(d, ev.crop_landmarks(src, src_kept[i], res)) for d, i in zip(dst_points, pairs)])
    swap_err = np.mean([ev.landmark_error(d, s) for d, s in zip(dst_points, swap_points)])
    recon = reconstruct_dst(ws, crops)
    floor = np.mean([ev.landmark_error(d, s) for d, s in zip(dst_points, ev.refit_landmarks(landmarker, recon, dst_points))])
    ratio = float(swap_err / random_err)
    print(f"landmark error / inter-ocular: swap {swap_err:.4f}, random source pairing {random_err:.4f}, "
          f"dst reconstruction (floor) {floor:.4f} (ratio {floor / random_err:.3f})")
    print(f"RESULT id_fraction={id_fraction:.3f} target=0.8 {'PASS' if id_fraction >= 0.8 else 'FAIL'}")
    print(f"RESULT expression_ratio={ratio:.3f} target=0.6 {'PASS' if ratio <= 0.6 else 'FAIL'}")


if __name__ == "__main__":
    sys.exit(main())
