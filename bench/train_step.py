"""Cost of one CPU training iteration of the preview profile, per component, and variants compared.

    python bench/train_step.py [--iterations 12] [--rounds 3] [--faces 64] [--variants old,new]

The preview profile's model (df 64 px, ae 64, e 16, d 16, mask 8, batch 8) on random 64 px crops
(what a step costs does not depend on the pixels). Each variant is a full trainer step fed by the
trainer's own BatchStream (batch building on its background thread, as in ``faceplate train``);
the variants run interleaved in the same process (A, B, A, B, ...) so a shared CPU's load falls on
all of them alike; each figure is the median over rounds. Before the rounds, one breakdown of the
current engine's step per component (batch building, forward + losses, backward, clip, optimiser,
housekeeping amortised over its cadence).

Variants (each undoes the engine's CPU speed-ups back to what main had before them):
- ``old``: torch's default two intra-op threads, contiguous layout, for-loop Adam, the five-conv
  DSSIM, fp32.
- ``new``: the engine as it is (the Trainer's CPU choices, TrainLoop's CpuThreads).
- ``old+<x>``: old with one of the speed-ups: ``threads`` (CpuThreads: 1 or 2 threads, timed),
  ``layout`` (channels-last), ``adam`` (fused), ``dssim`` (one conv), ``precision`` (bf16 autocast
  where the CPU has native bf16). Several: ``old+layout+adam``.
- ``new-<x>``: the engine without one of them (what it adds to the others: bf16 pays only with
  channels-last, for one).
RESULT: new / old it/s, target 1.5.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import torch
from torch.nn import functional as F

from faceplate.models import ModelConfig
from faceplate.training import TrainSettings, losses
from faceplate.training import data as data_module
from faceplate.training.data import BatchStream, FaceData
from faceplate.training.loop import TrainLoop
from faceplate.training.profiles import PROFILES, fill_train
from faceplate.training.threads import CpuThreads
from faceplate.training.trainer import Trainer

SPEEDUPS = ("threads", "layout", "adam", "dssim", "precision")


def random_faces(n: int, res: int, seed: int) -> FaceData:
    """``n`` random crops with a face mask and an eyes+mouth band."""
    g = torch.Generator().manual_seed(seed)
    images = (torch.rand(n, 3, res, res, generator=g) * 255).to(torch.uint8)
    masks = torch.zeros(n, 2, res, res, dtype=torch.uint8)
    masks[:, 0, res // 8 : -res // 8, res // 8 : -res // 8] = 255
    masks[:, 1, 3 * res // 8 : res // 2, res // 4 : 3 * res // 4] = 255
    return FaceData(images, masks, [f"f{i}" for i in range(n)])


# --- main's implementations, for the "old" side -------------------------------------------------
def old_dssim(x: torch.Tensor, y: torch.Tensor, kernel_size: int = 11) -> torch.Tensor:
    c = x.shape[1]
    k = losses.gaussian_kernel(kernel_size, kernel_size / 7.33, c, x.device, x.dtype)

    def blur(t):
        return F.conv2d(t, k, groups=c)

    mx, my = blur(x), blur(y)
    sxx, syy, sxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    c1, c2 = 0.01**2, 0.03**2
    ssim = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return ((1 - ssim) / 2).mean()


def old_multiscale_dssim(x: torch.Tensor, y: torch.Tensor, scales: int = 2) -> torch.Tensor:
    total = x.new_zeros(())
    for i in range(scales):
        k = max(3, min(11, int(x.shape[-1] / 11.6)) | 1)
        total = total + old_dssim(x, y, k)
        if i + 1 < scales:
            x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
    return total / scales


@contextmanager
def variant(name: str):
    """The engine with every speed-up not named in ``name`` undone (``new``: none undone)."""
    base, *rest = name.replace("-", "+-").split("+")
    keep = set(SPEEDUPS) - {r[1:] for r in rest} if base == "new" else set(rest)
    saved = (losses.multiscale_dssim, torch.get_num_threads())
    try:
        if "dssim" not in keep:
            losses.multiscale_dssim = old_multiscale_dssim
        torch.set_num_threads(2)  # torch's default on 2 cores; "threads": CpuThreads chooses in rate()
        yield keep
    finally:
        losses.multiscale_dssim = saved[0]
        torch.set_num_threads(saved[1])


def build_trainer(config: ModelConfig, settings: TrainSettings, keep: set) -> Trainer:
    trainer = Trainer(config, settings, torch.device("cpu"))  # sets the engine's thread count ("threads")
    if "layout" not in keep:
        trainer.memory_format = torch.contiguous_format
        trainer.model.to(memory_format=torch.contiguous_format)
    if "precision" not in keep:
        trainer.dtype = None
    if "adam" not in keep:
        trainer.opt = torch.optim.Adam(trainer.model.parameters(), lr=settings.lr, betas=(0.5, 0.999), foreach=False)
    return trainer


def rate(name: str, config, settings, src, dst, n: int) -> float:
    """it/s of ``n`` full trainer steps fed by a BatchStream, as TrainLoop runs them (the thread count
    chosen by CpuThreads with "threads"), after 2 unmeasured steps (and CpuThreads' first trials)."""
    with variant(name) as keep:
        trainer = build_trainer(config, settings, keep)
        stream = BatchStream(src, dst, settings, 0)
        threads = CpuThreads.for_device(trainer.device) if "threads" in keep else None
        warm_up = 2 + (len(threads.candidates) * (threads.trial + 1) if threads else 0)
        try:
            for i in range(n + warm_up):
                if i == warm_up:
                    started = time.perf_counter()
                iteration = i + 1  # as TrainLoop counts: the thread count is a function of the iteration
                if threads:
                    threads.use(iteration)
                clock = time.perf_counter()
                trainer.train_step(stream.next().to(trainer.device, trainer.memory_format))
                if threads:
                    threads.timed(iteration, time.perf_counter() - clock)
            return n / (time.perf_counter() - started)
        finally:
            stream.close()
            if threads:
                threads.restore()


def breakdown(config, settings, src, dst, n: int) -> dict[str, float]:
    """ms per iteration of each component of the current engine's step (main thread, no overlap)."""
    trainer = Trainer(config, settings, torch.device("cpu"))
    parts = dict.fromkeys(("batch", "forward+losses", "backward", "clip", "optimiser"), 0.0)
    for i in range(n + 1):
        clock = time.perf_counter()
        batch = data_module.make_batch(src, dst, i, settings).to(trainer.device, trainer.memory_format)
        marks = [clock, time.perf_counter()]
        total, _ = trainer.compute_losses(batch)
        marks.append(time.perf_counter())
        trainer.opt.zero_grad(set_to_none=True)
        total.backward()
        marks.append(time.perf_counter())
        torch.nn.utils.clip_grad_norm_(trainer.model.parameters(), settings.clip_grad)
        marks.append(time.perf_counter())
        trainer.opt.step()
        float(total.detach())
        marks.append(time.perf_counter())
        if i:  # the first step allocates
            for key, a, b in zip(parts, marks, marks[1:]):
                parts[key] += (b - a) * 1000 / n
    parts["housekeeping"] = housekeeping_ms(trainer, settings, batch)
    return parts


def housekeeping_ms(trainer: Trainer, settings: TrainSettings, batch) -> float:
    """Preview + loss plot, checkpoint and loss-log line, each timed once and spread over its cadence."""
    with tempfile.TemporaryDirectory() as tmp:
        loop = TrainLoop(trainer, None, None, Path(tmp))
        loop.log.append({"iteration": 0, "src": 1.0, "dst": 1.0, "total": 2.0})
        clock = time.perf_counter()
        loop.write_preview(batch)
        from faceplate.training.preview import write_loss_plot

        write_loss_plot(Path(tmp) / "loss.png", loop.log.records)
        preview = time.perf_counter() - clock
        clock = time.perf_counter()
        trainer.save(Path(tmp), 1.0)
        save = time.perf_counter() - clock
        clock = time.perf_counter()
        loop.log.append({"iteration": 1, "src": 1.0, "dst": 1.0, "total": 2.0, "lr": 1e-4})
        log_line = time.perf_counter() - clock
    return 1000 * (preview / settings.preview_every + save / settings.checkpoint_every + log_line / settings.log_every)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=12, help="timed steps per variant per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--faces", type=int, default=64, help="random crops per side")
    parser.add_argument("--variants", default="old,new", help="comma-separated: old, new, old+threads, ...")
    args = parser.parse_args()
    profile = PROFILES["preview"]
    config = ModelConfig(**profile.model)
    settings = fill_train(TrainSettings(iterations=10**6), profile)
    src, dst = random_faces(args.faces, config.resolution, 1), random_faces(args.faces, config.resolution, 2)
    names = args.variants.split(",")
    if not {"old", "new"} <= set(names):
        names = ["old", "new"] + [n for n in names if n not in ("old", "new")]
    print(
        f"preview profile: {config.arch} {config.resolution} px, batch {settings.batch_size}; "
        f"{args.rounds} rounds x {args.iterations} steps per variant",
        flush=True,
    )
    parts = breakdown(config, settings, src, dst, max(4, args.iterations // 2))
    print(
        f"engine step at {torch.get_num_threads()} threads, ms per iteration: "
        + ", ".join(f"{k} {v:.1f}" for k, v in parts.items()),
        flush=True,
    )
    rates: dict[str, list[float]] = {n: [] for n in names}
    for r in range(args.rounds):
        for name in names:
            rates[name].append(rate(name, config, settings, src, dst, args.iterations))
        print(f"round {r + 1}: " + ", ".join(f"{n} {v[-1]:.2f} it/s" for n, v in rates.items()), flush=True)
    median = {n: statistics.median(v) for n, v in rates.items()}
    for name in names:
        print(f"  {name:14s} {median[name]:.2f} it/s  ({median[name] / median['old']:.2f}x old)")
    speedup = median["new"] / median["old"]
    print(f"RESULT cpu_step_speedup={speedup:.2f} target=1.5 {'PASS' if speedup >= 1.5 else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
