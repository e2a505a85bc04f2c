"""Train the XSeg-like mask model on labelled crops, with augmentation. Reads top to bottom.

Samples are crops resized to the model's resolution (``[N, R, R, 3]`` uint8 RGB) with their
masks (``[N, R, R]`` uint8). Each step draws a batch and augments it on the fly, on the
training device: a random similarity warp (rotation, scale, shift) and mirror applied to crop
and mask alike, then colour jitter, blur and noise on the crop only, so the model learns face
vs occluder rather than where a face usually sits or what colour it is. Loss: BCE + soft Dice.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F

from faceplate.masks.xseg_model import XSegConfig, XSegNet

log = logging.getLogger(__name__)


@dataclass
class XSegTrainSettings:
    iterations: int = 2000
    batch: int = 8
    learning_rate: float = 1e-3
    rotate: float = 15.0  # degrees
    scale: float = 0.12  # +- fraction
    shift: float = 0.08  # +- fraction of the crop
    seed: int = 0
    device: str | None = None  # default: cuda when available
    threads: int | None = None  # CPU threads for training (None: torch's default); 1 on a busy machine

    def as_dict(self) -> dict:
        return asdict(self)


def pick_device(name: str | None) -> torch.device:
    return torch.device(name or ("cuda" if torch.cuda.is_available() else "cpu"))


def train_xseg(
    images: np.ndarray,
    masks: np.ndarray,
    config: XSegConfig,
    settings: XSegTrainSettings,
    model: XSegNet | None = None,
    progress=None,
) -> tuple[XSegNet, dict]:
    """Train (or fine-tune ``model``); returns the model (eval, on CPU) and a summary."""
    threads = torch.get_num_threads()
    if settings.threads:
        torch.set_num_threads(settings.threads)
    try:
        return _train(images, masks, config, settings, model, progress)
    finally:
        torch.set_num_threads(threads)


def _train(
    images: np.ndarray,
    masks: np.ndarray,
    config: XSegConfig,
    settings: XSegTrainSettings,
    model: XSegNet | None,
    progress,
) -> tuple[XSegNet, dict]:
    torch.manual_seed(settings.seed)
    device = pick_device(settings.device)
    x = torch.from_numpy(np.ascontiguousarray(images)).to(device).permute(0, 3, 1, 2).float().div_(255.0).contiguous()
    y = torch.from_numpy(np.ascontiguousarray(masks)).to(device).float().div_(255.0)[:, None]
    model = (model or XSegNet(config)).to(device).train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=1e-4)
    warmup = max(1, settings.iterations // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser,
        lambda step: (
            min(1.0, (step + 1) / warmup)
            * 0.5
            * (1.0 + math.cos(math.pi * min(step, settings.iterations) / settings.iterations))
        ),
    )  # warm-up, then cosine
    generator = torch.Generator(device="cpu").manual_seed(settings.seed)
    started, losses = time.perf_counter(), []
    for step in range(settings.iterations):
        pick = torch.randint(0, len(x), (settings.batch,), generator=generator).to(device)
        xb, yb = augment(x[pick], y[pick], settings, generator)
        logits = model.logits(xb)
        loss = F.binary_cross_entropy_with_logits(logits, yb) + dice_loss(torch.sigmoid(logits), yb)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        schedule.step()
        losses.append(float(loss.detach()))
        if progress is not None:
            progress(step + 1, settings.iterations, losses[-1])
    seconds = time.perf_counter() - started
    tail = losses[-max(1, len(losses) // 10) :]
    summary = {
        "iterations": settings.iterations,
        "samples": len(x),
        "final_loss": round(float(np.mean(tail)), 5),
        "seconds": round(seconds, 2),
        "device": str(device),
    }
    log.info(
        "mask model: %d iterations on %d crops in %.1f s (%s), loss %.4f",
        settings.iterations,
        len(x),
        seconds,
        device,
        summary["final_loss"],
    )
    return model.cpu().eval(), summary


def dice_loss(prob: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    inter = (prob * target).sum((1, 2, 3))
    return (1.0 - (2.0 * inter + 1.0) / (prob.sum((1, 2, 3)) + target.sum((1, 2, 3)) + 1.0)).mean()


def augment(
    image: torch.Tensor, mask: torch.Tensor, s: XSegTrainSettings, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """``[B, 3, R, R]``, ``[B, 1, R, R]`` -> warped, mirrored, colour-jittered copies."""
    b, device = image.shape[0], image.device
    rand = lambda *shape: torch.rand(*shape, generator=generator).to(device)  # noqa: E731
    angle = (rand(b) * 2 - 1) * math.radians(s.rotate)
    scale = 1.0 + (rand(b) * 2 - 1) * s.scale
    flip = torch.where(rand(b) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [
            torch.stack([cos * flip, -sin, (rand(b) * 2 - 1) * s.shift * 2], 1),
            torch.stack([sin * flip, cos, (rand(b) * 2 - 1) * s.shift * 2], 1),
        ],
        1,
    )
    grid = F.affine_grid(theta, list(image.shape), align_corners=False)
    image = F.grid_sample(image, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    mask = F.grid_sample(mask, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return jitter_colour(image, rand), mask


def jitter_colour(image: torch.Tensor, rand) -> torch.Tensor:
    b = image.shape[0]
    gain = 1.0 + (rand(b, 3, 1, 1) * 2 - 1) * 0.15  # per-channel: white balance
    contrast = 1.0 + (rand(b, 1, 1, 1) * 2 - 1) * 0.3
    bright = (rand(b, 1, 1, 1) * 2 - 1) * 0.1
    mean = image.mean((1, 2, 3), keepdim=True)
    image = (image - mean) * contrast + mean + bright
    image = image * gain
    blurred = F.avg_pool2d(image, 3, stride=1, padding=1, count_include_pad=False)
    soften = (rand(b, 1, 1, 1) < 0.3).float()
    image = image * (1 - soften) + blurred * soften
    return (image + (rand(*image.shape) - 0.5) * 0.04).clamp(0.0, 1.0)
