"""Batched tensor augmentation for training: random affine, random warp, flips, colour.

All functions take and return float tensors ``[B, C, R, R]`` in [0, 1] and draw from an
explicit ``torch.Generator`` (so a batch is a pure function of its seed: resume reproduces it).
Geometry is shared by a face's input, target and masks; only the input is warped (the network
learns to undo the warp, as in DeepFaceLab).
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F


def _uniform(shape, low: float, high: float, gen: torch.Generator) -> torch.Tensor:
    return torch.rand(shape, generator=gen) * (high - low) + low


def random_affine(
    batch: int,
    gen: torch.Generator,
    scale: float = 0.05,
    rotate_deg: float = 10.0,
    shift: float = 0.05,
    flip: bool = True,
) -> torch.Tensor:
    """``[B, 2, 3]`` theta for ``F.affine_grid`` (normalised coordinates): scale, rotation, shift, flip."""
    s = 1.0 + _uniform(batch, -scale, scale, gen)
    a = _uniform(batch, -rotate_deg, rotate_deg, gen) * (math.pi / 180)
    tx, ty = _uniform(batch, -shift, shift, gen) * 2, _uniform(batch, -shift, shift, gen) * 2
    fx = torch.where(torch.rand(batch, generator=gen) < 0.5, -1.0, 1.0) if flip else torch.ones(batch)
    cos, sin = torch.cos(a) / s, torch.sin(a) / s
    return torch.stack([torch.stack([cos * fx, -sin, tx], 1), torch.stack([sin * fx, cos, ty], 1)], 1)


def warp_offsets(batch: int, res: int, gen: torch.Generator, cells: int = 5, amount: float = 0.04) -> torch.Tensor:
    """Smooth random grid jitter ``[B, R, R, 2]``: a coarse ``cells`` x ``cells`` lattice moved by up
    to ``amount`` (normalised units), upsampled bicubically to the crop. Border points stay put."""
    coarse = (torch.rand((batch, 2, cells, cells), generator=gen) * 2 - 1) * amount
    coarse[:, :, [0, -1], :] = 0
    coarse[:, :, :, [0, -1]] = 0
    return F.interpolate(coarse, size=(res, res), mode="bicubic", align_corners=True).permute(0, 2, 3, 1)


def sample_grid(x: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def jitter_colour(
    x: torch.Tensor, gen: torch.Generator, brightness: float = 0.1, contrast: float = 0.15, saturation: float = 0.2
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-sample colour parameters ``[B, 1, 1, 1]`` x3 (brightness shift, contrast, saturation gains)."""
    b = x.shape[0]
    return (
        _uniform((b, 1, 1, 1), -brightness, brightness, gen),
        _uniform((b, 1, 1, 1), 1 - contrast, 1 + contrast, gen),
        _uniform((b, 1, 1, 1), 1 - saturation, 1 + saturation, gen),
    )


def apply_colour(x: torch.Tensor, params: tuple[torch.Tensor, torch.Tensor, torch.Tensor]) -> torch.Tensor:
    shift, contrast, saturation = params
    grey = x.mean(1, keepdim=True)
    x = grey + (x - grey) * saturation
    mean = x.mean((1, 2, 3), keepdim=True)
    return ((x - mean) * contrast + mean + shift).clamp(0, 1)


def transfer_colour(x: torch.Tensor, ref: torch.Tensor, x_mask: torch.Tensor, ref_mask: torch.Tensor) -> torch.Tensor:
    """Reinhard-style colour transfer: per-channel mean/std of ``x`` inside ``x_mask`` matched to
    ``ref`` inside ``ref_mask`` (source faces take destination lighting). Shapes [B, 3|1, R, R]."""

    def stats(img, m):
        w = m.sum((2, 3), keepdim=True).clamp_min(1.0)
        mean = (img * m).sum((2, 3), keepdim=True) / w
        var = ((img - mean) ** 2 * m).sum((2, 3), keepdim=True) / w
        return mean, var.clamp_min(1e-6).sqrt()

    m_x, s_x = stats(x, x_mask)
    m_r, s_r = stats(ref, ref_mask)
    return ((x - m_x) * (s_r / s_x).clamp(0.5, 2.0) + m_r).clamp(0, 1)
