"""Swap quality on real head turns after a fixed CPU budget: identity moves, expression stays.

    python bench/quality.py [--minutes 15] [--data ../shared/data] [--workspace DIR] [--device auto|cpu|cuda]
                            [--keep-every N] [--no-judge]

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
Baselines printed beside them (``evaluate.expression_baselines``): the nearest source face (the
best any pasted source face does), the nearest trained destination face (no identity change) and
an exact swap (the destination's landmarks moved onto the source's mean face shape): what
``expression_ratio`` can reach on this pair at all.

``--workspace DIR`` keeps the extracted pair (with its held-back frames) and the model in DIR, or
reuses the pair; ``--keep-every N`` keeps a checkpoint every N iterations and judges each one
(how the two measures move with training); ``--no-judge`` only trains (a GPU machine without the
dlib weights can train, and the checkpoints are judged elsewhere with ``--workspace``).
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

from faceplate.faces.faceset import read_faceset
from faceplate.models import ModelConfig, load_generator
from faceplate.models.generator import load_model
from faceplate.stages import train as train_stage
from faceplate.stages.contract import BaseReporter
from faceplate.stages.runner import run_stage
from faceplate.training import TrainSettings
from faceplate.training.settings import train_stage_settings
from faceplate.training import checkpoint as ckpt
from faceplate.training import evaluate as ev
from faceplate.workspace import init_workspace, open_workspace
from faceplate.workspace.workspace import MANIFEST_NAME

# The fast CPU quality config, shared with tests/training/test_quality.py. Small df model: separate
# decoders push the swap to the source identity within a few hundred iterations; narrow enough for
# a few it/s on 2 CPU cores. (The artist-facing defaults in ModelConfig/TrainSettings are for GPUs.)
CPU_QUALITY_CONFIG = ModelConfig(arch="df", resolution=64, ae_dims=64, e_dims=16, d_dims=16, d_mask_dims=8)


def cpu_quality_settings(minutes: float, **overrides) -> TrainSettings:
    """Train settings for ``CPU_QUALITY_CONFIG``: a high learning rate with a short warm-up, random warp on."""
    values = dict(iterations=None, minutes=minutes, batch_size=8, lr=5e-4, lr_warmup=50, random_warp=True,
                  checkpoint_every=500, preview_every=500, seed=1)
    return TrainSettings(**(values | overrides))


def held_back(faceset) -> list:
    """Every 4th block of 8 destination frames: never trained on, spread over the clip's poses."""
    first = faceset.frames[0]
    return [r for r in faceset.records if ((r.frame - first) // 8) % 4 == 3]


def hold_back(ws) -> list:
    faceset = read_faceset(ws.faceset_dir("destination"))
    held = held_back(faceset)
    for r in held:
        r.status = "rejected"
    faceset.save()
    return held


def dst_reconstructor(checkpoint: Path) -> torch.nn.Module:
    """dst -> dst of a checkpoint, with the generator's interface (the expression floor)."""
    model = load_model(checkpoint)[0]

    class Dst(torch.nn.Module):
        def forward(self, x):
            return model.reconstruct_dst(x)

    return Dst()


def prepared_pair(root: Path, data: Path):
    """d18 -> d19 extracted in ``root`` with every 4th block of 8 destination frames held back (reused when there)."""
    if (root / MANIFEST_NAME).is_file():
        ws = open_workspace(root)
        return ws, held_back(read_faceset(ws.faceset_dir("destination")))
    turns = data / "head_turns"
    ws = init_workspace(root, turns / "d19.mp4", sources=[turns / "d18.mp4"])
    run_stage(ws, "extract", {"crop_size": 128})
    return ws, hold_back(ws)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("FACEPLATE_TEST_DATA", "../shared/data")))
    parser.add_argument("--workspace", type=Path, help="keep the pair and model here, or reuse the pair")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--keep-every", type=int, help="keep (and judge) a checkpoint every N iterations")
    parser.add_argument("--no-judge", action="store_true", help="train only")
    parser.add_argument("--judge-only", action="store_true", help="judge the workspace's kept checkpoints, no training")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        ws, held = prepared_pair(args.workspace or Path(tmp) / "shot", args.data)
        if not args.judge_only:
            overrides = {"device": args.device}
            if args.keep_every:
                overrides |= {"checkpoint_every": args.keep_every, "keep_last": 10**6}
            started = time.perf_counter()
            settings = train_stage_settings(cpu_quality_settings(args.minutes, **overrides), CPU_QUALITY_CONFIG,
                                            resume=False)
            result = train_stage.run(ws, settings, BaseReporter()).detail
            print(f"trained {result.iterations} iterations in {time.perf_counter() - started:.0f} s "
                  f"({result.iterations_per_second:.2f} it/s on {result.device}), {len(held)} held-back frames")
        if args.no_judge:
            return 0
        if args.keep_every:
            folders = sorted((ws.root / "model" / "checkpoints").iterdir())
            for folder in folders[1:-1]:  # the last one is judged below, with the RESULT lines
                judge(ws, held, folder, brief=True)
        report(ws, held)
    return 0


def judge(ws, held, checkpoint: Path, brief: bool = False) -> ev.SwapQuality:
    generator, _, info = load_generator(checkpoint)
    dst, src = read_faceset(ws.faceset_dir("destination")), read_faceset(ws.faceset_dir("source"))
    q = ev.judge_swap(generator, dst, src, held, reconstruct=dst_reconstructor(Path(info["checkpoint"])))
    ratio = q.floor_error / q.random_error
    if brief:
        print(f"iteration {info['iterations']:>6}: id_fraction {q.id_fraction:.3f}, expression_ratio "
              f"{q.expression_ratio:.3f}, floor {ratio:.3f}, pose-matched source {q.matched_ratio:.3f}, "
              f"same-identity nearest {q.self_matched_ratio:.3f}, exact swap {q.ideal_ratio:.3f}", flush=True)
        return q
    print(f"checkpoint iteration {info['iterations']}: identity distance of the swaps to source {q.swap_to_src:.3f}, "
          f"to destination {q.swap_to_dst:.3f} (plates to source {q.plate_to_src:.3f})")
    print(f"landmark error / inter-ocular: swap {q.swap_error:.4f}, random source pairing {q.random_error:.4f}, "
          f"dst reconstruction (floor) {q.floor_error:.4f} (ratio {ratio:.3f}), "
          f"pose-matched source {q.matched_error:.4f} (ratio {q.matched_ratio:.3f})")
    print(f"nearest trained destination face (no identity change) {q.self_matched_error:.4f} (ratio "
          f"{q.self_matched_ratio:.3f}); an exact swap (destination pose and expression on the source's mean face "
          f"shape) would score {q.ideal_error:.4f} (expression_ratio {q.ideal_ratio:.3f})")
    print(f"against the stored full-resolution landmarks instead: swap {q.stored_swap_error:.4f}, random "
          f"{q.stored_random_error:.4f} (ratio {q.stored_expression_ratio:.3f})")
    return q


def report(ws, held) -> ev.SwapQuality:
    q = judge(ws, held, ckpt.resolve_checkpoint(ws.root / "model", prefer="best"))
    print(f"RESULT id_fraction={q.id_fraction:.3f} target=0.8 {'PASS' if q.id_fraction >= 0.8 else 'FAIL'}")
    print(f"RESULT expression_ratio={q.expression_ratio:.3f} target=0.6 {'PASS' if q.expression_ratio <= 0.6 else 'FAIL'}")
    return q


if __name__ == "__main__":
    sys.exit(main())
