"""Trainer throughput vs a bare forward+backward loop of the same model, in one run.

    python bench/train.py [--iterations N] [--resolution 128] [--batch 8] [--data ../shared/data]

Both use the default model (liae, ae 256, e 64, d 64) at the given resolution and batch. The
bare loop steps the model on pre-built tensors (forward, the same losses, backward, clip, Adam);
the trainer is the full `faceplate train` stage on a real talking_heads/ pair (background batch
building with augmentation, loss log, progress). The first step of each is excluded (allocation).
Target: trainer >= 0.9 x bare loop.
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

from faceplate.faces.pipeline import ExtractSettings
from faceplate.models import ModelConfig, build_model
from faceplate.stages.extract import extract
from faceplate.stages.train import train
from faceplate.training import TrainSettings
from faceplate.training.losses import face_losses
from faceplate.workspace import init_workspace


def bare_loop(config: ModelConfig, settings: TrainSettings, iterations: int) -> float:
    """it/s of forward + losses + backward + clip + Adam on fixed tensors."""
    torch.manual_seed(0)
    model = build_model(config)
    opt = torch.optim.Adam(model.parameters(), lr=settings.lr, betas=(0.5, 0.999))
    b, r = settings.batch_size, config.resolution
    x = [torch.rand(b, 3, r, r) for _ in range(4)]
    face = torch.zeros(b, 1, r, r)
    face[..., r // 4:-r // 4, r // 4:-r // 4] = 1
    eyes = torch.zeros_like(face)
    started = None
    for i in range(iterations + 1):
        if i == 1:
            started = time.perf_counter()
        (src_rgb, src_mask), (dst_rgb, dst_mask) = model.forward_pair(x[0], x[2])
        total = sum(face_losses(src_rgb, src_mask, x[1], face, eyes, settings.weights).values()) + \
            sum(face_losses(dst_rgb, dst_mask, x[3], face, eyes, settings.weights).values())
        opt.zero_grad(set_to_none=True)
        total.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), settings.clip_grad)
        opt.step()
        float(total.detach())
    return iterations / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=8)
    parser.add_argument("--resolution", type=int, default=128)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("FACEPLATE_TEST_DATA", "../shared/data")))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    config = ModelConfig(resolution=args.resolution)
    n = args.iterations
    settings = TrainSettings(iterations=n + 1, batch_size=args.batch, checkpoint_every=10**6, preview_every=10**6)
    heads = args.data / "talking_heads"
    with tempfile.TemporaryDirectory() as tmp:
        ws = init_workspace(Path(tmp) / "shot", heads / "grid_bbaf2n.mpg", "1001-1040", sources=[heads / "grid_lbax4n.mpg"])
        extract(ws, settings=ExtractSettings(crop_size=max(128, args.resolution)), show_progress=False)
        print(f"device: cpu, {torch.get_num_threads()} threads; res {args.resolution}, batch {args.batch}, "
              f"{n} timed iterations each", flush=True)
        bare = bare_loop(config, settings, n)
        print(f"bare forward+backward loop: {bare:.3f} it/s", flush=True)
        result = train(ws, settings, config, show_progress=False)
        trainer = result.iterations_per_second
        print(f"trainer (faceplate train):  {trainer:.3f} it/s", flush=True)
        bare_again = bare_loop(config, settings, n)
        print(f"bare loop again:            {bare_again:.3f} it/s (machine-load check)", flush=True)
    ratio = trainer / max(bare, bare_again)
    print(f"RESULT trainer_vs_bare={ratio:.3f} target=0.9 {'PASS' if ratio >= 0.9 else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
