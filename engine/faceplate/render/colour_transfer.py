"""Colour transfer: make the generated face's colour statistics match the plate's face.

Every function takes ``source`` (the generated face) and ``target`` (the plate's face region),
float32 ``[H, W, 3]`` in the working space (sRGB-encoded, 0..1), and masks ``[H, W]`` in 0..1
marking which pixels are face. The returned image is ``source`` recoloured everywhere. Modes
follow DeepFaceLab's names: rct, lct, mkl, idt, sot.

Statistics come from skin only: of the masked pixels, those whose chroma (L*a*b* a*, b*) lies
within a robust distance of the mask's median chroma (``skin_selection``), on both sides. A green
prop in front of the chin, a red scarf or a coloured light on the jaw falls inside the face mask
but not inside the skin, so it cannot tint the face. The transfer is also clipped (each
per-channel scale or linear map's gain to ``SCALE_LIMITS``, the mean shift to a bound per space)
so whatever outlier is left cannot swing the whole face.
"""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

from faceplate.errors import FaceplateError

_EPS = 1e-6
SCALE_LIMITS = (0.5, 2.0)  # a transfer may halve or double a channel's spread, no more
LAB_SHIFT_LIMIT = np.array(
    [50.0, 60.0, 60.0]
)  # largest mean shift of L*, a*, b* (rct): a blue cast to warm skin is ~50
RGB_SHIFT_LIMIT = 0.5  # largest mean shift per RGB channel (lct, mkl) and per pixel (idt, sot)
SKIN_MAD_K = 3.0  # skin = chroma within median distance + K robust deviations of the median chroma
SKIN_MIN_RADIUS = 8.0  # ... and never tighter than this many a*b* units (a flat face keeps its pixels)


def _lab(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.clip(image, 0, 1).astype(np.float32), cv2.COLOR_RGB2LAB)


def skin_selection(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Boolean ``[H, W]``: the masked pixels whose a*b* chroma is near the mask's median chroma.

    Distance to the median chroma, threshold = median distance + ``SKIN_MAD_K`` x 1.4826 x MAD
    (at least ``SKIN_MIN_RADIUS``): an object covering less than half of the mask with a colour
    unlike skin falls outside. Falls back to the whole mask, or the whole image, when too few remain."""
    inside = mask > 0.5
    if inside.sum() < 3:
        return np.ones(mask.shape, bool)
    chroma = _lab(image)[..., 1:].astype(np.float64)
    distance = np.linalg.norm(chroma - np.median(chroma[inside], axis=0), axis=-1)
    d = distance[inside]
    centre = np.median(d)
    radius = max(centre + SKIN_MAD_K * 1.4826 * np.median(np.abs(d - centre)), SKIN_MIN_RADIUS)
    skin = inside & (distance <= radius)
    return skin if skin.sum() >= 3 else inside


def _pixels(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Skin pixels (``skin_selection``) as ``[N, 3]`` float64."""
    return image[skin_selection(image, mask)].astype(np.float64)


def _clip_shift(source_mean: np.ndarray, target_mean: np.ndarray, limit) -> np.ndarray:
    """The target mean, moved no further than ``limit`` from the source mean per channel."""
    return source_mean + np.clip(target_mean - source_mean, -np.asarray(limit), np.asarray(limit))


def _clip_gain(matrix: np.ndarray) -> np.ndarray:
    """A linear colour map with its singular values (gains) clipped to ``SCALE_LIMITS``."""
    u, s, vt = np.linalg.svd(matrix)
    return u @ np.diag(np.clip(s, *SCALE_LIMITS)) @ vt


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
    src_lab, dst_lab = _lab(source), _lab(target)
    s = src_lab[skin_selection(source, source_mask)].astype(np.float64)
    t = dst_lab[skin_selection(target, target_mask)].astype(np.float64)
    scale = np.clip(t.std(0) / (s.std(0) + _EPS), *SCALE_LIMITS)
    out = (src_lab - s.mean(0)) * scale + _clip_shift(s.mean(0), t.mean(0), LAB_SHIFT_LIMIT)
    return cv2.cvtColor(out.astype(np.float32), cv2.COLOR_LAB2RGB)


def transfer_lct(source, target, source_mask, target_mask) -> np.ndarray:
    """Linear colour transfer: whiten with the source covariance, colour with the target's (RGB)."""
    s_mean, s_cov = _mean_cov(_pixels(source, source_mask))
    t_mean, t_cov = _mean_cov(_pixels(target, target_mask))
    matrix = _clip_gain(_sqrtm(t_cov) @ np.linalg.inv(_sqrtm(s_cov)))
    return _apply_linear(source, matrix, s_mean, _clip_shift(s_mean, t_mean, RGB_SHIFT_LIMIT))


def transfer_mkl(source, target, source_mask, target_mask) -> np.ndarray:
    """Monge-Kantorovich linear transfer (Pitie & Kokaram 2007): the optimal-transport linear map."""
    s_mean, s_cov = _mean_cov(_pixels(source, source_mask))
    t_mean, t_cov = _mean_cov(_pixels(target, target_mask))
    s_half = _sqrtm(s_cov)
    s_half_inv = np.linalg.inv(s_half)
    matrix = _clip_gain(s_half_inv @ _sqrtm(s_half @ t_cov @ s_half) @ s_half_inv)
    return _apply_linear(source, matrix, s_mean, _clip_shift(s_mean, t_mean, RGB_SHIFT_LIMIT))


def _random_rotation(rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    return q * np.sign(np.diag(r))


def _sliced_transfer(source, target, source_mask, target_mask, iterations: int, step: float) -> np.ndarray:
    """Shared loop of idt and sot: along random rotated axes, match 1-D distributions (skin to
    skin); each pixel's total change is then clipped to ``RGB_SHIFT_LIMIT`` per channel."""
    rng = np.random.default_rng(0)  # fixed: the same frame must recolour the same way every render
    original = source.reshape(-1, 3).astype(np.float64)
    flat = original.copy()
    inside = skin_selection(source, source_mask).reshape(-1)
    reference = _pixels(target, target_mask)
    for _ in range(iterations):
        rotation = _random_rotation(rng)
        projected, ref_projected = flat @ rotation, reference @ rotation
        original_std = (original[inside] @ rotation).std(0)
        for axis in range(3):
            matched = _match_1d_from(
                projected[:, axis], projected[inside, axis], ref_projected[:, axis], original_std[axis]
            )
            projected[:, axis] += step * (matched - projected[:, axis])
        flat = projected @ rotation.T
    flat = original + np.clip(flat - original, -RGB_SHIFT_LIMIT, RGB_SHIFT_LIMIT)
    return flat.reshape(source.shape).astype(np.float32)


def _match_1d_from(
    values: np.ndarray, sample: np.ndarray, reference: np.ndarray, original_std: float, points: int = 256
) -> np.ndarray:
    """Quantile match of ``values`` (distributed as ``sample``) to ``reference``, the reference's
    spread first rescaled about its median to ``original_std`` x the gain clipped to ``SCALE_LIMITS``
    (``original_std``: the untouched face's spread on this axis, so repeated passes cannot compound
    the gain); a flat reference, which has no spread to rescale, becomes a linear map to that spread."""
    want = np.clip(reference.std() / (original_std + _EPS), *SCALE_LIMITS) * original_std
    centre = np.median(reference)
    if reference.std() < 1e-4:
        return centre + (values - np.median(sample)) * (want / (sample.std() + _EPS))
    q = np.linspace(0, 1, points)
    ref_q = centre + (np.quantile(reference, q) - centre) * (want / reference.std())
    return np.interp(values, np.quantile(sample, q), ref_q)


def transfer_idt(source, target, source_mask, target_mask, iterations: int = 10) -> np.ndarray:
    """Iterative distribution transfer (Pitie et al. 2005): full 1-D matches on random axes."""
    return _sliced_transfer(source, target, source_mask, target_mask, iterations, step=1.0)


def transfer_sot(source, target, source_mask, target_mask, iterations: int = 20) -> np.ndarray:
    """Sliced optimal transport: small steps along many random axes (smoother than idt)."""
    return _sliced_transfer(source, target, source_mask, target_mask, iterations, step=0.5)


def transfer_none(source, target, source_mask, target_mask) -> np.ndarray:
    return source.astype(np.float32)


MODES: dict[str, Callable[..., np.ndarray]] = {
    "none": transfer_none,
    "rct": transfer_rct,
    "lct": transfer_lct,
    "mkl": transfer_mkl,
    "idt": transfer_idt,
    "sot": transfer_sot,
}


def transfer_colour(mode: str, source, target, source_mask, target_mask) -> np.ndarray:
    """Recolour ``source`` towards ``target`` with the named mode, clipped to 0..1."""
    try:
        function = MODES[mode]
    except KeyError:
        raise FaceplateError(f"unknown colour transfer {mode!r}; choose one of {', '.join(MODES)}") from None
    return np.clip(function(source, target, source_mask, target_mask), 0.0, 1.0)
