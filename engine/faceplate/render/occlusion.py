"""What stands in front of the face, from a cue the render already pays for: the destination model's
own reconstruction of the crop. The dst decoder learnt to draw this person's face from the whole shot;
a hand or prop crossing it in some frames is what it cannot draw, so where the plate differs from that
reconstruction far more than the model is expected to miss there, the pixel is taken as an occluder
and kept from the plate. No learned mask, no extra model.

The error is colour-aware (CIE Lab distance after a blur at the model's scale, so the soft young
reconstruction's missing pores do not count) and relative to what the model is expected to miss at
that pixel: the face's own typical error (a young model that draws everything loosely and a converged
one are judged alike) plus a share of the plate's local detail (the model misses most at edges: brows,
eyes, lips, hairline; a flat patch of a colour it did not draw is the surprise). A soft ramp around the
threshold (not a cut) keeps the cue steady from frame to frame.
"""

from __future__ import annotations

import cv2
import numpy as np

TYPICAL_PERCENTILE = 30  # the face's typical error: an occluder over most of the face barely moves it
ERROR_FLOOR = 1.0  # Lab units: a face reconstructed almost perfectly is not divided by ~0
DETAIL_WEIGHT = 4.0  # expected extra error (Lab units) per unit of lightness gradient (Lab L per pixel)


def _blurred_lab(image: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.cvtColor(cv2.GaussianBlur(np.asarray(image, np.float32), (0, 0), sigma), cv2.COLOR_RGB2Lab)


def _gradient(lightness: np.ndarray) -> np.ndarray:
    """Lightness change per pixel (Sobel's 3x3 kernels sum 8x the step)."""
    gx, gy = cv2.Sobel(lightness, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(lightness, cv2.CV_32F, 0, 1, ksize=3)
    return np.hypot(gx, gy) / 8.0


def surprise(crop: np.ndarray, own: np.ndarray, face: np.ndarray) -> np.ndarray:
    """``[R, R]``: the plate's Lab distance from the reconstruction over what the model is expected to
    miss there (1: as expected). ``face`` (0..1) says where the face's typical error is taken."""
    sigma = crop.shape[0] / 32
    plate, drawn = _blurred_lab(crop, sigma), _blurred_lab(own, sigma)
    error = np.linalg.norm(plate - drawn, axis=-1)
    inside = face > 0.5
    typical = max(float(np.percentile(error[inside] if inside.any() else error, TYPICAL_PERCENTILE)), ERROR_FLOOR)
    return error / (typical + DETAIL_WEIGHT * _gradient(plate[..., 0]))


def occlusion_map(crop: np.ndarray, own: np.ndarray, face: np.ndarray, threshold: float) -> np.ndarray:
    """``[R, R]`` 0..1: 1 where ``crop`` (the plate) is an occluder over ``face`` (the face's mask, 0..1).

    Half where the surprise is ``threshold``, ramping from 0 at 0.75x to 1 at 1.25x. Specks smaller
    than the model's detail are opened away, and the edge grown and softened by as much, so the
    occluder's own outline (blurred above) stays in front too."""
    soft = np.clip((surprise(crop, own, face) / threshold - 0.75) * 2.0, 0.0, 1.0).astype(np.float32)
    size = max(3, int(round(crop.shape[0] / 32)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    soft = cv2.dilate(cv2.morphologyEx(soft, cv2.MORPH_OPEN, kernel), kernel)
    return np.clip(cv2.GaussianBlur(soft, (0, 0), size / 3), 0.0, 1.0)
