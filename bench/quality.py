"""Swap quality on real head turns after a fixed CPU budget: identity moves, expression stays.

    python bench/quality.py [--minutes 15] [--data ../shared/data]

Source head_turns/d18, destination head_turns/d19. The destination is split in blocks of 8
frames; every 4th block is held back (never trained on), so the test frames span the clip's poses.
After training (``CPU_QUALITY_CONFIG``: df, res 64, small dims) the held-back crops are swapped and
judged by ``faceplate.training.evaluate.judge_swap``:
- id_fraction: share of held-back frames whose swap (pasted with its predicted mask) is nearer
  the source identity than the destination's (mean dlib embeddings of each faceset). Target >= 0.8.
- expression_ratio: mean 68-landmark error between each destination crop and its swap (over the
  inter-ocular distance) divided by the same error between destination crops and randomly paired
  source crops; every landmark set is re-detected by the same dlib model at the model resolution,
  so detector error on small crops is on both sides. Target <= 0.6. The destination's own
  reconstruction error (dst -> dst) is printed as the floor, and the ratio against the stored
  full-resolution landmarks (which charges the 64 px detector error, ~0.07, to the swap alone).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

from faceplate.faces.faceset import read_faceset, write_faceset
from faceplate.faces.pipeline import ExtractSettings
from faceplate.models import ModelConfig, build_model, load_generator
from faceplate.stages.extract import extract
from faceplate.stages.train import train
from faceplate.training import TrainSettings
from faceplate.training import checkpoint as ckpt
from faceplate.training import evaluate as ev
from faceplate.workspace import init_workspace

# The fast CPU quality config, shared with tests/training/test_quality.py. Small df model: separate
# decoders push the swap to the source identity within a few hundred iterations; narrow enough for
# a few it/s on 2 CPU cores. (The artist-facing defaults in ModelConfig/TrainSettings are for GPUs.)
CPU_QUALITY_CONFIG = ModelConfig(arch="df", resolution=64, ae_dims=64, e_dims=16, d_dims=16, d_mask_dims=8)


def cpu_quality_settings(minutes: float, **overrides) -> TrainSettings:
    """Train settings for ``CPU_QUALITY_CONFIG``: a high learning rate with a short warm-up, random warp on."""
    values = dict(iterations=None, minutes=minutes, batch_size=8, lr=5e-4, lr_warmup=50, random_warp=True,
                  checkpoint_every=500, preview_every=500, seed=1)
    return TrainSettings(**(values | overrides))


def hold_back(ws) -> list:
    folder = ws.faceset_dir("destination")
    faceset = read_faceset(folder)
    first = faceset.frames[0]
    held = [r for r in faceset.records if ((r.frame - first) // 8) % 4 == 3]
    for r in held:
        r.status = "rejected"
    write_faceset(folder, faceset.header, faceset.records)
    return held


def dst_reconstructor(ws) -> torch.nn.Module:
    """dst -> dst of the workspace's best checkpoint, with the generator's interface (the expression floor)."""
    weights, config, _ = ckpt.load_weights(ckpt.resolve_checkpoint(ws.root / "model", prefer="best"))
    model = build_model(config).eval()
    model.load_state_dict(weights["model"])

    class Dst(torch.nn.Module):
        def forward(self, x):
            return model.reconstruct_dst(x)

    return Dst()


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
        result = train(ws, cpu_quality_settings(args.minutes), CPU_QUALITY_CONFIG, show_progress=False)
        print(f"trained {result.iterations} iterations in {time.perf_counter() - started:.0f} s "
              f"({result.iterations_per_second:.2f} it/s), {len(held)} held-back frames")
        report(ws, held)
    return 0


def report(ws, held) -> ev.SwapQuality:
    generator, _, info = load_generator(ws.root)
    dst, src = read_faceset(ws.faceset_dir("destination")), read_faceset(ws.faceset_dir("source"))
    q = ev.judge_swap(generator, dst, src, held, reconstruct=dst_reconstructor(ws))
    print(f"checkpoint iteration {info['iterations']}: identity distance of the swaps to source {q.swap_to_src:.3f}, "
          f"to destination {q.swap_to_dst:.3f} (plates to source {q.plate_to_src:.3f})")
    print(f"landmark error / inter-ocular: swap {q.swap_error:.4f}, random source pairing {q.random_error:.4f}, "
          f"dst reconstruction (floor) {q.floor_error:.4f} (ratio {q.floor_error / q.random_error:.3f})")
    print(f"against the stored full-resolution landmarks instead: swap {q.stored_swap_error:.4f}, random "
          f"{q.stored_random_error:.4f} (ratio {q.stored_expression_ratio:.3f})")
    print(f"RESULT id_fraction={q.id_fraction:.3f} target=0.8 {'PASS' if q.id_fraction >= 0.8 else 'FAIL'}")
    print(f"RESULT expression_ratio={q.expression_ratio:.3f} target=0.6 {'PASS' if q.expression_ratio <= 0.6 else 'FAIL'}")
    return q


if __name__ == "__main__":
    sys.exit(main())
