"""Trainer throughput vs a bare forward+backward loop of the same model, in one run.

    python bench/train.py [--iterations N] [--resolution 128] [--batch 8] [--device auto|cpu|cuda]
                          [--workspace DIR] [--data ../shared/data]

Both use the default model (liae, ae 256, e 64, d 64) at the given resolution and batch. The
bare loop steps the model on pre-built tensors already on the device (forward, the same losses,
backward, clip, Adam; the trainer's precision and memory format); the trainer is the full
`faceplate train` stage on a real talking_heads/ pair (background batch building with
augmentation, host->device copies, loss log, progress). The first step of each is excluded.
On CUDA both run twice: with mixed precision (the trainer's default, bf16) and in fp32.
``--workspace DIR`` keeps the extracted pair in DIR, or reuses it when DIR already holds one
(a GPU machine without the dlib weights can train from a pair extracted elsewhere).
Target: trainer >= 0.9 x bare loop (at the default precision).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch

from faceplate.models import ModelConfig, build_model
from faceplate.reporting import BaseReporter
from faceplate.stages import train as train_stage
from faceplate.training import TrainSettings
from faceplate.training.losses import face_losses
from faceplate.training.profiles import PROFILES, fill_train
from faceplate.training.settings import train_stage_settings
from faceplate.training.trainer import adam, select_device, select_precision
from faceplate.workspace import init_workspace, open_workspace
from faceplate.workspace.workspace import MANIFEST_NAME


def bare_loop(config: ModelConfig, settings: TrainSettings, iterations: int) -> float:
    """it/s of forward + losses + backward + clip + Adam on fixed tensors, as the trainer would run them."""
    torch.manual_seed(0)
    device = select_device(settings.device)
    dtype = select_precision(device, settings.precision)
    layout = torch.channels_last  # as the Trainer
    model = build_model(config).to(device, memory_format=layout)
    opt = adam(model.parameters(), settings.lr)
    scaler = torch.amp.GradScaler(device.type, enabled=dtype == torch.float16)
    b, r = settings.batch_size, config.resolution
    x = [torch.rand(b, 3, r, r).to(device, memory_format=layout) for _ in range(4)]
    face = torch.zeros(b, 1, r, r)
    face[..., r // 4 : -r // 4, r // 4 : -r // 4] = 1
    face = face.to(device, memory_format=layout)
    eyes = torch.zeros_like(face)
    started = None
    for i in range(iterations + 1):
        if i == 1:
            started = time.perf_counter()
        with torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None):
            (src_rgb, src_mask), (dst_rgb, dst_mask) = model.forward_pair(x[0], x[2])
        total = sum(face_losses(src_rgb, src_mask, x[1], face, eyes, settings.weights).values()) + sum(
            face_losses(dst_rgb, dst_mask, x[3], face, eyes, settings.weights).values()
        )
        opt.zero_grad(set_to_none=True)
        scaler.scale(total).backward()
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(model.parameters(), settings.clip_grad)
        scaler.step(opt)
        scaler.update()
        float(total.detach())  # one read per step, as the trainer does
    return iterations / (time.perf_counter() - started)


def prepared_pair(root: Path, data: Path, crop: int):
    """The talking_heads/ pair extracted in ``root`` (reused when already there)."""
    if (root / MANIFEST_NAME).is_file():
        return open_workspace(root)
    from faceplate.stages.runner import run_stage

    heads = data / "talking_heads"
    ws = init_workspace(root, heads / "grid_bbaf2n.mpg", "1001-1040", sources=[heads / "grid_lbax4n.mpg"])
    run_stage(ws, "extract", {"crop_size": crop})
    return ws


def measure(ws, config: ModelConfig, settings: TrainSettings, n: int) -> tuple[float, float, float]:
    """(bare, trainer, bare again) it/s; the second bare run shows whether the machine's load changed."""
    bare = bare_loop(config, settings, n)
    print(f"  bare forward+backward loop: {bare:.3f} it/s", flush=True)
    result = train_stage.run(ws, train_stage_settings(settings, config, resume=False), BaseReporter()).detail
    print(f"  trainer (faceplate train):  {result.iterations_per_second:.3f} it/s", flush=True)
    again = bare_loop(config, settings, n)
    print(f"  bare loop again:            {again:.3f} it/s (machine-load check)", flush=True)
    return bare, result.iterations_per_second, again


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, help="timed iterations of each (default 8 on the CPU, 200 on CUDA)")
    parser.add_argument("--resolution", type=int, default=128)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--workspace", type=Path, help="extract the pair here and keep it, or reuse it")
    parser.add_argument("--workers", type=int, default=0, help="trainer batch-building threads (default 0: auto)")
    parser.add_argument("--no-fp32", action="store_true", help="on CUDA, skip the fp32 comparison")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("FACEPLATE_TEST_DATA", "../shared/data")))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    config = ModelConfig(resolution=args.resolution)
    device = select_device(args.device)
    n = args.iterations or (200 if device.type == "cuda" else 8)
    settings = fill_train(
        TrainSettings(
            iterations=n + 1,
            batch_size=args.batch,
            checkpoint_every=10**6,
            preview_every=10**6,
            device=device.type,
            workers=args.workers,
        ),
        PROFILES["final"],
    )  # the default model's profile (lr, warm-up) for what is not given
    precisions = ["auto", "fp32"] if device.type == "cuda" and not args.no_fp32 else ["auto"]
    with tempfile.TemporaryDirectory() as tmp:
        ws = prepared_pair(args.workspace or Path(tmp) / "shot", args.data, max(128, args.resolution))
        where = (
            torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu, {torch.get_num_threads()} threads"
        )
        print(
            f"device: {where}; res {args.resolution}, batch {args.batch}, {n} timed iterations each, "
            f"workers {args.workers or 'auto'}",
            flush=True,
        )
        figures = {}
        for precision in precisions:
            dtype = select_precision(device, precision)
            label = str(dtype).replace("torch.", "") if dtype else "fp32"
            print(f"precision {label}:", flush=True)
            figures[precision] = (label, *measure(ws, config, replace(settings, precision=precision), n))
    label, bare, trainer, again = figures["auto"]
    if "fp32" in figures and device.type == "cuda":
        print(
            f"mixed precision ({label}) vs fp32: trainer {trainer / figures['fp32'][2]:.2f}x, "
            f"bare loop {max(bare, again) / max(figures['fp32'][1], figures['fp32'][3]):.2f}x"
        )
    ratio = trainer / max(bare, again)
    print(f"RESULT trainer_vs_bare={ratio:.3f} target=0.9 {'PASS' if ratio >= 0.9 else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
