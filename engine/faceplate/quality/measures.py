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

Per frame (shot QC, ``faceplate.qc``; each on aligned face crops, where the alignment to the plate's
landmarks already takes the face's motion out):

- **expression per frame** (``expression_errors``): frame ``t``'s share of the ratio above,
  ``mean_k |r_swap(t,k) - r_plate(t,k)| / mean_t,k |r_plate(t,k)|``; their mean is ``expression_ratio``.
- **pose** (``pose_difference``): yaw, pitch and roll of the swap minus the plate's (degrees).
- **flicker** (``frame_change``, ``flicker_ratios``): the mean absolute change of grey values inside
  the matte from one frame to the next, composite over plate (each plus one grey level, so a still
  plate does not divide by zero); a frame's ratio is the smaller of its two neighbours' pairs, so a
  frame that pops out of its run scores high and its unchanged neighbours do not.
- **seam** (``seam_ratio``): mean squared grey gradient in a band along the matte's edge
  (``edge_band``), composite over the plate's in the same band: a visible seam scores well above 1.
- **colour** (``colour_difference``): CIEDE2000 distance between the mean CIELAB colour of the skin
  region in the composite and in the plate.
"""

from __future__ import annotations

import cv2
import numpy as np

from faceplate.faces.align import transform_points, umeyama
from faceplate.faces.embedding import SAME_PERSON_DISTANCE
from faceplate.faces.pose import estimate_pose

RIGHT_EYE, LEFT_EYE = slice(36, 42), slice(42, 48)
UPPER_INNER_LIP, LOWER_INNER_LIP = [61, 62, 63], [67, 66, 65]  # iBUG 68: pairs across the inner mouth


def interocular(points: np.ndarray) -> float:
    """Distance between the two eye centres of one ``[68, 2]`` landmark set."""
    return float(np.linalg.norm(points[RIGHT_EYE].mean(0) - points[LEFT_EYE].mean(0)))


def identity_fraction(
    embeddings: np.ndarray, wanted: np.ndarray, other: np.ndarray, same_person: float = SAME_PERSON_DISTANCE
) -> tuple[float, np.ndarray, np.ndarray]:
    """(share of embeddings nearer ``wanted`` than ``other`` and within ``same_person`` of ``wanted``,
    distances to ``wanted`` [N], distances to ``other`` [N]). ``other`` is one identity ``[128]`` or one
    per embedding ``[N, 128]`` (each frame's own plate face)."""
    embeddings = np.asarray(embeddings, np.float64).reshape(-1, len(wanted))
    to_wanted = np.linalg.norm(embeddings - np.asarray(wanted, np.float64), axis=1)
    to_other = np.linalg.norm(embeddings - np.asarray(other, np.float64), axis=1)
    hits = (to_wanted < to_other) & (to_wanted < same_person)
    return float(hits.mean()) if len(hits) else 0.0, to_wanted, to_other


def _unit_shape(points: np.ndarray) -> np.ndarray:
    """A landmark set centred on its centroid and scaled to unit RMS radius."""
    centred = points - points.mean(0)
    return centred / max(np.sqrt((centred**2).sum(1).mean()), 1e-9)


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


def expression_motion(plate_points) -> float:
    """How much the plate's face changes shape over the clip: mean ``|r_plate|`` (unit-size shapes), the
    expression ratio's denominator. Landmark noise alone on a still face is ~0.01."""
    plate = np.asarray(plate_points, np.float64)
    return float(np.linalg.norm(shape_residuals(plate, reference_shape(plate)), axis=-1).mean())


def expression_errors(swap_points, plate_points) -> np.ndarray:
    """``[N]``: each frame's share of the expression ratio (module docstring); their mean is the ratio."""
    swap, plate = np.asarray(swap_points, np.float64), np.asarray(plate_points, np.float64)
    reference = reference_shape(plate)
    r_swap, r_plate = shape_residuals(swap, reference), shape_residuals(plate, reference)
    spread = np.linalg.norm(r_plate, axis=-1).mean()
    per_frame = np.linalg.norm(r_swap - r_plate, axis=-1).mean(axis=1)
    if spread < 1e-12:  # a still plate: following it means staying still
        return np.where(per_frame < 1e-12, 0.0, np.inf)
    return per_frame / spread


def expression_ratio(swap_points, plate_points) -> float:
    """The shape-normalised expression ratio (module docstring): 0 = follows the plate, 1 = frozen."""
    return float(np.mean(expression_errors(swap_points, plate_points)))


def mouth_opening(points: np.ndarray) -> float:
    """Inner-lip gap of one ``[68, 2]`` landmark set over its inter-ocular distance."""
    gap = np.linalg.norm(points[UPPER_INNER_LIP] - points[LOWER_INNER_LIP], axis=1).mean()
    return float(gap / max(interocular(points), 1e-9))


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    denominator = np.sqrt((a**2).sum() * (b**2).sum())
    return float((a * b).sum() / denominator) if denominator > 1e-12 else 0.0


def mouth_correlation(swap_points, plate_points) -> float:
    """Pearson correlation over frames of the swap's and the plate's mouth openings."""
    return _pearson(
        np.array([mouth_opening(p) for p in swap_points]), np.array([mouth_opening(p) for p in plate_points])
    )


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


def pose_difference(
    swap_points: np.ndarray, plate_points: np.ndarray, crop_size: int, crop_to_plate: np.ndarray
) -> np.ndarray:
    """``[3]`` yaw, pitch, roll of the swap minus the plate's (degrees), from crop-space landmarks
    ``[68, 2]`` of both in one ``crop_size`` crop; ``crop_to_plate`` (2x3) maps them back for roll."""
    swap = estimate_pose(swap_points, crop_size, transform_points(swap_points, crop_to_plate))
    plate = estimate_pose(plate_points, crop_size, transform_points(plate_points, crop_to_plate))
    return np.subtract(swap, plate)


def grey(image: np.ndarray) -> np.ndarray:
    """Grey values on a 0..255 scale, float32 (uint8 or 0..1 float RGB in)."""
    image = np.ascontiguousarray(image)
    values = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    return values.astype(np.float32) * (255.0 if image.dtype != np.uint8 else 1.0)


CHANGE_FLOOR = 1.0  # grey levels added to both sides of the flicker ratio: a still plate is not a division by 0


def frame_change(current: np.ndarray, previous: np.ndarray, weight: np.ndarray) -> float:
    """Mean absolute grey change (0..255) between two aligned frames, weighted by ``weight`` (0..1)."""
    total = float(weight.sum())
    if total <= 0:
        return 0.0
    return float((np.abs(grey(current) - grey(previous)) * weight).sum() / total)


def flicker_ratios(composite_changes, plate_changes) -> np.ndarray:
    """``[N]`` per frame from the ``N - 1`` changes between consecutive frames (composite, plate): each
    pair's ratio (composite + floor) / (plate + floor), and for each frame the smaller of the pairs
    either side of it (one pair at the ends; 1 for a single frame)."""
    pairs = (np.asarray(composite_changes, np.float64) + CHANGE_FLOOR) / (
        np.asarray(plate_changes, np.float64) + CHANGE_FLOOR
    )
    if not len(pairs):
        return np.ones(1)  # one frame: nothing to flicker against
    before = np.concatenate([[np.inf], pairs])
    after = np.concatenate([pairs, [np.inf]])
    return np.minimum(before, after)


def edge_band(matte: np.ndarray, width: int) -> np.ndarray:
    """Boolean mask of the pixels within ``width`` of the matte's 0.5 contour (empty for an empty matte)."""
    inside = (np.asarray(matte) > 0.5).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))
    return cv2.dilate(inside, kernel).astype(bool) & ~cv2.erode(inside, kernel).astype(bool)


def gradient_energy(image: np.ndarray, band: np.ndarray) -> float:
    """Mean squared Sobel gradient of the grey values (0..255) inside ``band``."""
    values = grey(image)
    gx, gy = cv2.Sobel(values, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(values, cv2.CV_32F, 0, 1, ksize=3)
    energy = (gx**2 + gy**2)[band]
    return float(energy.mean()) if energy.size else 0.0


SEAM_FLOOR = 16.0  # squared grey levels per pixel: a flat plate band (a blank wall) does not divide by ~0


def seam_ratio(composite: np.ndarray, plate: np.ndarray, matte: np.ndarray, width: int = 3) -> float:
    """Gradient energy along the matte's edge in the composite over the plate's in the same band."""
    band = edge_band(matte, width)
    if not band.any():
        return 1.0
    return (gradient_energy(composite, band) + SEAM_FLOOR) / (gradient_energy(plate, band) + SEAM_FLOOR)


def mean_lab(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean CIELAB (D65; L 0..100) of sRGB ``image`` (uint8 or 0..1 float) where ``mask`` > 0.5."""
    rgb = np.asarray(image, np.float32) / (255.0 if np.asarray(image).dtype == np.uint8 else 1.0)
    lab = cv2.cvtColor(np.ascontiguousarray(np.clip(rgb, 0, 1)), cv2.COLOR_RGB2Lab)
    inside = lab[np.asarray(mask) > 0.5]
    return inside.mean(0).astype(np.float64) if len(inside) else np.full(3, np.nan)


def delta_e2000(lab1, lab2) -> float:
    """CIEDE2000 colour difference of two CIELAB colours (Sharma, Wu and Dalal 2005, kL = kC = kH = 1)."""
    (l1, a1, b1), (l2, a2, b2) = np.asarray(lab1, np.float64), np.asarray(lab2, np.float64)
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))
    a1p, a2p = a1 * (1 + g), a2 * (1 + g)
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p, h2p = np.degrees(np.arctan2(b1, a1p)) % 360, np.degrees(np.arctan2(b2, a2p)) % 360
    dh = h2p - h1p if c1p * c2p else 0.0
    dh = dh - 360 if dh > 180 else dh + 360 if dh < -180 else dh
    d_l, d_c, d_h = l2 - l1, c2p - c1p, 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    l_bar, cp_bar = (l1 + l2) / 2, (c1p + c2p) / 2
    h_bar = h1p + h2p
    if c1p * c2p:
        h_bar = (h_bar + (360 if h_bar < 360 else -360)) / 2 if abs(h1p - h2p) > 180 else h_bar / 2
    t = (
        1
        - 0.17 * np.cos(np.radians(h_bar - 30))
        + 0.24 * np.cos(np.radians(2 * h_bar))
        + 0.32 * np.cos(np.radians(3 * h_bar + 6))
        - 0.20 * np.cos(np.radians(4 * h_bar - 63))
    )
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    s_c, s_h = 1 + 0.045 * cp_bar, 1 + 0.015 * cp_bar * t
    r_t = (
        -2 * np.sqrt(cp_bar**7 / (cp_bar**7 + 25.0**7)) * np.sin(np.radians(60 * np.exp(-(((h_bar - 275) / 25) ** 2))))
    )
    return float(np.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (d_c / s_c) * (d_h / s_h)))


def colour_difference(composite: np.ndarray, plate: np.ndarray, skin: np.ndarray) -> float:
    """CIEDE2000 between the mean colours of the ``skin`` region in the composite and in the plate."""
    if not (np.asarray(skin) > 0.5).any():
        return 0.0
    return delta_e2000(mean_lab(plate, skin), mean_lab(composite, skin))
