"""Colour transfer: make the generated face's colour statistics match the plate's face.

Every function takes ``source`` (the generated face) and ``target`` (the plate's face region),
float32 ``[H, W, 3]`` in the working space (sRGB-encoded, 0..1), and masks ``[H, W]`` in 0..1
marking which pixels are face. Statistics come from masked pixels only; the returned image is
``source`` recoloured everywhere. Modes follow DeepFaceLab's names: rct, lct, mkl, idt, sot.
"""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

from faceplate.errors import FaceplateError

_EPS = 1e-6


def _pixels(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Masked pixels as ``[N, 3]`` float64 (all pixels when the mask is empty)."""
    chosen = image[mask > 0.5]
    return (chosen if len(chosen) >= 3 else image.reshape(-1, 3)).astype(np.float64)


def _mean_cov(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return pixels.mean(0), np.cov(pixels, rowvar=False) + np.eye(3) * _EPS


def _apply_linear(image: np.ndarray, matrix: np.ndarray, src_mean: np.ndarray, dst_mean: np.ndarray) -> np.ndarray:
    flat = (image.reshape(-1, 3).astype(np.float64) - src_mean) @ matrix.T + dst_mean
    return flat.reshape(image.shape).astype(np.float32)


def _sqrtm(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh(matrix)
    return vectors @ np.diag(np.sqrt(np.clip(values, _EPS, None))) @ vectors.T


def transfer_rct(source, target, source_mask, target_mask) -> np.ndarray:
    """Reinhard et al. 2001: per-channel mean and deviation matched in L*a*b*."""
    src_lab = cv2.cvtColor(np.clip(source, 0, 1).astype(np.float32), cv2.COLOR_RGB2LAB)
    dst_lab = cv2.cvtColor(np.clip(target, 0, 1).astype(np.float32), cv2.COLOR_RGB2LAB)
    s, t = _pixels(src_lab, source_mask), _pixels(dst_lab, target_mask)
    scale = t.std(0) / (s.std(0) + _EPS)
    out = (src_lab - s.mean(0)) * scale + t.mean(0)
    return cv2.cvtColor(out.astype(np.float32), cv2.COLOR_LAB2RGB)


def transfer_lct(source, target, source_mask, target_mask) -> np.ndarray:
    """Linear colour transfer: whiten with the source covariance, colour with the target's (RGB)."""
    s_mean, s_cov = _mean_cov(_pixels(source, source_mask))
    t_mean, t_cov = _mean_cov(_pixels(target, target_mask))
    matrix = _sqrtm(t_cov) @ np.linalg.inv(_sqrtm(s_cov))
    return _apply_linear(source, matrix, s_mean, t_mean)


def transfer_mkl(source, target, source_mask, target_mask) -> np.ndarray:
    """Monge-Kantorovich linear transfer (Pitie & Kokaram 2007): the optimal-transport linear map."""
    s_mean, s_cov = _mean_cov(_pixels(source, source_mask))
    t_mean, t_cov = _mean_cov(_pixels(target, target_mask))
    s_half = _sqrtm(s_cov)
    s_half_inv = np.linalg.inv(s_half)
    matrix = s_half_inv @ _sqrtm(s_half @ t_cov @ s_half) @ s_half_inv
    return _apply_linear(source, matrix, s_mean, t_mean)


def _random_rotation(rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    return q * np.sign(np.diag(r))


def _sliced_transfer(source, target, source_mask, target_mask, iterations: int, step: float) -> np.ndarray:
    """Shared loop of idt and sot: along random rotated axes, match 1-D distributions."""
    rng = np.random.default_rng(0)  # fixed: the same frame must recolour the same way every render
    flat = source.reshape(-1, 3).astype(np.float64)
    inside = (source_mask.reshape(-1) > 0.5) if (source_mask > 0.5).sum() >= 3 else np.ones(len(flat), bool)
    reference = _pixels(target, target_mask)
    for _ in range(iterations):
        rotation = _random_rotation(rng)
        projected, ref_projected = flat @ rotation, reference @ rotation
        for axis in range(3):
            matched = _match_1d_from(projected[:, axis], projected[inside, axis], ref_projected[:, axis])
            projected[:, axis] += step * (matched - projected[:, axis])
        flat = projected @ rotation.T
    return flat.reshape(source.shape).astype(np.float32)


def _match_1d_from(values: np.ndarray, sample: np.ndarray, reference: np.ndarray, points: int = 256) -> np.ndarray:
    q = np.linspace(0, 1, points)
    return np.interp(values, np.quantile(sample, q), np.quantile(reference, q))


def transfer_idt(source, target, source_mask, target_mask, iterations: int = 10) -> np.ndarray:
    """Iterative distribution transfer (Pitie et al. 2005): full 1-D matches on random axes."""
    return _sliced_transfer(source, target, source_mask, target_mask, iterations, step=1.0)


def transfer_sot(source, target, source_mask, target_mask, iterations: int = 20) -> np.ndarray:
    """Sliced optimal transport: small steps along many random axes (smoother than idt)."""
    return _sliced_transfer(source, target, source_mask, target_mask, iterations, step=0.5)


def transfer_none(source, target, source_mask, target_mask) -> np.ndarray:
    return source.astype(np.float32)


MODES: dict[str, Callable[..., np.ndarray]] = {
    "none": transfer_none, "rct": transfer_rct, "lct": transfer_lct, "mkl": transfer_mkl,
    "idt": transfer_idt, "sot": transfer_sot,
}


def transfer_colour(mode: str, source, target, source_mask, target_mask) -> np.ndarray:
    """Recolour ``source`` towards ``target`` with the named mode, clipped to 0..1."""
    try:
        function = MODES[mode]
    except KeyError:
        raise FaceplateError(f"unknown colour transfer {mode!r}; choose one of {', '.join(MODES)}") from None
    return np.clip(function(source, target, source_mask, target_mask), 0.0, 1.0)
