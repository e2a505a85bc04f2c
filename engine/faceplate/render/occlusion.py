"""What stands in front of the face, from a cue the render already pays for: the destination model's
own reconstruction of the crop. The dst decoder learnt to draw this person's face from the whole shot;
a hand or prop crossing it in some frames is what it cannot draw, so where the plate differs from that
reconstruction far more than it does over the rest of the face, the pixel is taken as an occluder and
kept from the plate. No learned mask, no extra model.

The error is colour-aware (CIE Lab distance after a blur at the model's scale, so the soft young
reconstruction's missing detail does not count) and relative: divided by the face's own typical error,
so a young model that draws everything loosely and a converged one that draws it closely are judged the
same way. A soft ramp above the threshold (not a cut) keeps the cue steady from frame to frame.
"""

from __future__ import annotations

import cv2
import numpy as np

TYPICAL_PERCENTILE = 30  # the face's typical error: an occluder over most of the face barely moves it
ERROR_FLOOR = 1.0  # Lab units: a face reconstructed almost perfectly is not divided by ~0


def reconstruction_error(crop: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Per-pixel Lab distance ``[R, R]`` between two RGB 0..1 crops, blurred at the model's scale."""
    sigma = crop.shape[0] / 32
    lab = [
        cv2.cvtColor(cv2.GaussianBlur(np.asarray(c, np.float32), (0, 0), sigma), cv2.COLOR_RGB2Lab) for c in (crop, own)
    ]
    return np.linalg.norm(lab[0] - lab[1], axis=-1)


def occlusion_map(crop: np.ndarray, own: np.ndarray, face: np.ndarray, threshold: float) -> np.ndarray:
    """``[R, R]`` 0..1: 1 where ``crop`` (the plate) is an occluder over ``face`` (the face's mask, 0..1).

    A pixel whose error is ``threshold`` times the face's typical error counts half; the count ramps
    from 0 at 0.75x to 1 at 1.25x that. Specks smaller than the model's detail are opened away, and the edge grown
    and softened by as much, so the occluder's own outline (blurred above) stays in front too."""
    error = reconstruction_error(crop, own)
    inside = face > 0.5
    typical = np.percentile(error[inside], TYPICAL_PERCENTILE) if inside.any() else np.median(error)
    ratio = error / max(float(typical), ERROR_FLOOR)
    soft = np.clip((ratio / threshold - 0.75) * 2.0, 0.0, 1.0).astype(np.float32)
    size = max(3, int(round(crop.shape[0] / 32)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    soft = cv2.dilate(cv2.morphologyEx(soft, cv2.MORPH_OPEN, kernel), kernel)
    return np.clip(cv2.GaussianBlur(soft, (0, 0), size / 3), 0.0, 1.0)
