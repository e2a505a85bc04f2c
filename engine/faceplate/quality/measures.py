"""The measures of a face swap, each a plain function of arrays (no model runs here).

For ``N`` frames of a destination plate and the face put in its place (the swap):

- **identity** (``identity_fraction``): share of frames whose swapped face's embedding is nearer the
  wanted identity (the source's mean embedding) than the other one (the destination's), AND within
  dlib's same-person distance (0.6) of the wanted identity. Nearer-but-far (a blur halfway between
  two people) does not count.
- **expression** (``expression_ratio``): how much of the plate's motion of face shape (pose and
  expression) the swap fails to follow, with the identity's own face shape taken out. Each side's 68
  landmarks per frame are similarity-normalised (Umeyama: rotation, uniform scale, translation) onto
  one common reference (the plate's Procrustes mean shape); each side then subtracts its own clip's
  mean normalised shape, leaving residuals ``r_swap(t)``, ``r_plate(t)``::

      expression_ratio = mean_t,k |r_swap(t,k) - r_plate(t,k)| / mean_t,k |r_plate(t,k)|

  (``k`` the 68 points, ``|.|`` the 2-D distance). The plate against itself scores 0; a frozen face
  (the same shape every frame, so ``r_swap = 0``) scores 1; a swap with a different face shape
  that moves exactly as the plate does scores near 0, since that constant shape is in its mean.
- **mouth** (``mouth_correlation``): Pearson correlation over frames of the mouth opening (inner-lip
  gap over the inter-ocular distance), swap against plate. A constant series correlates 0.
- **sharpness** (``sharpness_ratio``): high-frequency energy, the variance of the Laplacian of grey
  values inside the face mask, of the swap over the plate's same region (summed over frames): a blur
  scores well below 1, the plate itself 1.
"""

from __future__ import annotations

import cv2
import numpy as np

from faceplate.faces.align import umeyama
from faceplate.faces.embedding import SAME_PERSON_DISTANCE

RIGHT_EYE, LEFT_EYE = slice(36, 42), slice(42, 48)
UPPER_INNER_LIP, LOWER_INNER_LIP = [61, 62, 63], [67, 66, 65]  # iBUG 68: pairs across the inner mouth


def interocular(points: np.ndarray) -> float:
    """Distance between the two eye centres of one ``[68, 2]`` landmark set."""
    return float(np.linalg.norm(points[RIGHT_EYE].mean(0) - points[LEFT_EYE].mean(0)))


def identity_fraction(embeddings: np.ndarray, wanted: np.ndarray, other: np.ndarray,
                      same_person: float = SAME_PERSON_DISTANCE) -> tuple[float, np.ndarray, np.ndarray]:
    """(share of embeddings nearer ``wanted`` than ``other`` and within ``same_person`` of ``wanted``,
    distances to ``wanted`` [N], distances to ``other`` [N])."""
    embeddings = np.asarray(embeddings, np.float64).reshape(-1, len(wanted))
    to_wanted = np.linalg.norm(embeddings - np.asarray(wanted, np.float64), axis=1)
    to_other = np.linalg.norm(embeddings - np.asarray(other, np.float64), axis=1)
    hits = (to_wanted < to_other) & (to_wanted < same_person)
    return float(hits.mean()) if len(hits) else 0.0, to_wanted, to_other


def _unit_shape(points: np.ndarray) -> np.ndarray:
    """A landmark set centred on its centroid and scaled to unit RMS radius."""
    centred = points - points.mean(0)
    return centred / max(np.sqrt((centred ** 2).sum(1).mean()), 1e-9)


def _align(points: np.ndarray, reference: np.ndarray) -> np.ndarray:
    matrix = umeyama(points, reference)
    return points @ matrix[:2, :2].T + matrix[:2, 2]


def reference_shape(shapes: np.ndarray, rounds: int = 3) -> np.ndarray:
    """Generalised Procrustes mean of ``[N, 68, 2]`` shapes (unit size, centred)."""
    reference = _unit_shape(shapes[0])
    for _ in range(rounds):
        reference = _unit_shape(np.mean([_align(s, reference) for s in shapes], axis=0))
    return reference


def shape_residuals(shapes: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``[N, 68, 2]``: each shape aligned onto ``reference``, minus the mean aligned shape of the run."""
    aligned = np.stack([_align(s, reference) for s in shapes])
    return aligned - aligned.mean(0)


def expression_ratio(swap_points, plate_points) -> float:
    """The shape-normalised expression ratio (module docstring): 0 = follows the plate, 1 = frozen."""
    swap, plate = np.asarray(swap_points, np.float64), np.asarray(plate_points, np.float64)
    reference = reference_shape(plate)
    r_swap, r_plate = shape_residuals(swap, reference), shape_residuals(plate, reference)
    spread = np.linalg.norm(r_plate, axis=-1).mean()
    if spread < 1e-12:
        return 0.0 if np.linalg.norm(r_swap, axis=-1).mean() < 1e-12 else float("inf")  # a still plate
    return float(np.linalg.norm(r_swap - r_plate, axis=-1).mean() / spread)


def mouth_opening(points: np.ndarray) -> float:
    """Inner-lip gap of one ``[68, 2]`` landmark set over its inter-ocular distance."""
    gap = np.linalg.norm(points[UPPER_INNER_LIP] - points[LOWER_INNER_LIP], axis=1).mean()
    return float(gap / max(interocular(points), 1e-9))


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    denominator = np.sqrt((a ** 2).sum() * (b ** 2).sum())
    return float((a * b).sum() / denominator) if denominator > 1e-12 else 0.0


def mouth_correlation(swap_points, plate_points) -> float:
    """Pearson correlation over frames of the swap's and the plate's mouth openings."""
    return _pearson(np.array([mouth_opening(p) for p in swap_points]),
                    np.array([mouth_opening(p) for p in plate_points]))


def laplacian_energy(image: np.ndarray, mask: np.ndarray) -> float:
    """Variance of the Laplacian of ``image``'s grey values (0..255 scale) where ``mask`` > 0.5."""
    grey = image if image.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)
    scale = 255.0 if grey.dtype != np.uint8 and grey.max() <= 1.0 else 1.0
    laplacian = cv2.Laplacian(grey.astype(np.float64) * scale, cv2.CV_64F)
    inside = laplacian[np.asarray(mask) > 0.5]
    return float(inside.var()) if inside.size else 0.0


def sharpness_ratio(swaps, plates, masks) -> float:
    """Laplacian energy of the swaps inside their face masks over the plates' in the same masks."""
    swap = sum(laplacian_energy(s, m) for s, m in zip(swaps, masks))
    plate = sum(laplacian_energy(p, m) for p, m in zip(plates, masks))
    return swap / plate if plate > 0 else 0.0
