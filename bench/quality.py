"""Swap quality on real head turns after a fixed training budget, scored by the shared judge.

    python bench/quality.py [--minutes 15] [--data ../shared/data] [--workspace DIR] [--device auto|cpu|cuda]
                            [--keep-every N] [--no-judge] [--judge-only]

Source head_turns/d18, destination head_turns/d19. The destination is split in blocks of 8
frames; every 4th block is held back (never trained on), so the test frames span the clip's poses.
After training (``CPU_QUALITY_CONFIG``, the CPU preview profile: df, res 64, small dims) the held-back crops are swapped,
pasted with the predicted mask, and judged by ``faceplate.quality`` (``measures`` defines each
figure; ``faceplate.training.evaluate.judge_swap`` runs the generator):
- id_fraction: share of held-back swaps nearer the source identity than the destination's AND
  within dlib's same-person distance (0.6) of the source's mean embedding.
- expression_ratio: landmarks similarity-normalised, each clip's own mean shape removed; how far
  the swap's residual motion is from the plate's, over the plate's (0 = follows, 1 = frozen).
- mouth_corr: Pearson over frames of the inner-lip gap over the inter-ocular distance.
- sharpness_ratio: variance of the Laplacian inside the face hull, swap over plate.
The floor, printed beside every figure: the destination's own reconstruction of the same held-back
frames, judged the same way (identity: nearer the destination's). Targets (RESULT lines): CPU
id >= 0.9, expression <= 0.6, mouth >= 0.5, sharpness >= 0.5; on CUDA 0.95, 0.4, 0.75, 0.7.

``--workspace DIR`` keeps the extracted pair (with its held-back frames) and the model in DIR, or
reuses the pair; ``--keep-every N`` keeps a checkpoint every N iterations and judges each one
(how the measures move with training); ``--no-judge`` only trains (a GPU machine without the
dlib weights can train, and the checkpoints are judged elsewhere with ``--workspace``).
"""

from __future__ import annotations

import argparse
import dataclasses
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
from faceplate.training.profiles import PROFILES
from faceplate.training.settings import train_stage_settings
from faceplate.training import checkpoint as ckpt
from faceplate.training import evaluate as ev
from faceplate.quality.judge import Judge
from faceplate.workspace import init_workspace, open_workspace
from faceplate.workspace.workspace import MANIFEST_NAME

# The CPU preview profile (faceplate.training.profiles), shared with tests/training/test_quality.py: what an
# artist without a GPU gets by default, so the bench measures what they see.
CPU_QUALITY_CONFIG = ModelConfig(**PROFILES["preview"].model)


def cpu_quality_settings(minutes: float, **overrides) -> TrainSettings:
    """Train settings of the preview profile for a ``minutes`` run (random warp on, seeded)."""
    values = dict(iterations=None, minutes=minutes, random_warp=True, checkpoint_every=500, preview_every=500, seed=1)
    return TrainSettings(**(values | PROFILES["preview"].train | overrides))


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
    parser.add_argument("--arch", choices=["df", "liae"], default=CPU_QUALITY_CONFIG.arch,
                        help="the preview profile's model with this architecture (default: the profile's)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        ws, held = prepared_pair(args.workspace or Path(tmp) / "shot", args.data)
        trained_on = "cuda" if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available()) else "cpu"
        if not args.judge_only:
            overrides = {"device": args.device}
            if args.keep_every:
                overrides |= {"checkpoint_every": args.keep_every, "keep_last": 10**6}
            started = time.perf_counter()
            config = dataclasses.replace(CPU_QUALITY_CONFIG, arch=args.arch)
            settings = train_stage_settings(cpu_quality_settings(args.minutes, **overrides), config, resume=False)
            result = train_stage.run(ws, settings, BaseReporter()).detail
            trained_on = "cuda" if str(result.device).startswith("cuda") else "cpu"
            print(f"trained {result.iterations} iterations in {time.perf_counter() - started:.0f} s "
                  f"({result.iterations_per_second:.2f} it/s on {result.device}), {len(held)} held-back frames")
        if args.no_judge:
            return 0
        if args.keep_every:
            folders = sorted((ws.root / "model" / "checkpoints").iterdir())
            models = Judge()
            for folder in folders[1:-1]:  # the last one is judged below, with the RESULT lines
                judge(ws, held, folder, brief=True, judge_models=models)
        report(ws, held, trained_on)
    return 0


# (measure, target, higher is better) per device kind: the "done when" figures
TARGETS = {
    "cpu": [("id_fraction", 0.9, True), ("expression_ratio", 0.6, False), ("mouth_corr", 0.5, True),
            ("sharpness_ratio", 0.5, True)],
    "cuda": [("id_fraction", 0.95, True), ("expression_ratio", 0.4, False), ("mouth_corr", 0.75, True),
             ("sharpness_ratio", 0.7, True)],
}


def judge(ws, held, checkpoint: Path, brief: bool = False, judge_models: Judge | None = None) -> ev.SwapQuality:
    generator, _, info = load_generator(checkpoint)
    dst, src = read_faceset(ws.faceset_dir("destination")), read_faceset(ws.faceset_dir("source"))
    q = ev.judge_swap(generator, dst, src, held, reconstruct=dst_reconstructor(Path(info["checkpoint"])),
                      judge=judge_models)
    if brief:
        print(f"iteration {info['iterations']:>6}: swap {q.swap.line()}; floor {q.floor.line()}", flush=True)
        return q
    print(f"checkpoint iteration {info['iterations']}, {q.swap.frames} held-back frames "
          f"(plates' distance to the source identity {q.plate_to_src:.3f})")
    for name, _, _ in TARGETS["cpu"]:
        print(f"  {name:<17} swap {getattr(q.swap, name):7.3f}   floor (dst reconstruction) {getattr(q.floor, name):7.3f}")
    print(f"  identity distance: swap to source {q.swap.to_wanted:.3f}, to destination {q.swap.to_other:.3f}; "
          f"floor to destination {q.floor.to_wanted:.3f}, to source {q.floor.to_other:.3f} (same person < 0.6)")
    return q


def report(ws, held, device: str = "cpu") -> ev.SwapQuality:
    q = judge(ws, held, ckpt.resolve_checkpoint(ws.root / "model", prefer="best"))
    for name, target, higher in TARGETS["cuda" if device == "cuda" else "cpu"]:
        value = getattr(q.swap, name)
        passed = value >= target if higher else value <= target
        print(f"RESULT {name}={value:.3f} target={target} {'PASS' if passed else 'FAIL'}")
    return q


if __name__ == "__main__":
    sys.exit(main())
