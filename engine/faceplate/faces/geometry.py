"""Landmark sanity: implausible geometry and re-detection disagreement, in crop space.

A crop is a similarity alignment to the mean face, so in crop space a real face has its parts
in a fixed vertical order, eyes a predictable distance apart (shrinking with yaw) and a jaw
wider than the eyes. Landmarks that break these rules did not land on a face. Re-fitting the
68 points on the crop itself is a second opinion: where the two fits disagree by more than a
fraction of the eye distance, neither can be trusted.

The re-fit starts from the box the stored landmarks were fitted from (mapped into the crop), because
dlib's predictor follows the framing it is given: started from the landmarks' own bounding box, a
turned face (one cheek hidden, so a narrow box) re-fits 0.2-0.4 eye distances away although both fits
are right. Its unit is the frontal eye distance at this crop size (the crop fixes the face's scale),
not the face's own outer-eye distance, which shrinks with yaw.
"""

from __future__ import annotations

import numpy as np

from faceplate.faces.align import _FACE_TYPE_FRAME, TEMPLATE_51, FaceType, matrix_scale
from faceplate.faces.landmarks import LandmarkModel, landmarks_box

Box = tuple[float, float, float, float]

# Outer eye corners (36, 45) in the 51-point template (which starts at landmark 17).
_TEMPLATE_EYE_DISTANCE = float(np.linalg.norm(TEMPLATE_51[45 - 17] - TEMPLATE_51[36 - 17]))
EYE_RATIO_RANGE = (0.45, 1.45)  # outer-eye distance / the template's at this crop size
JAW_RATIO_RANGE = (1.2, 2.4)  # jaw width (0-16) / outer-eye distance


def expected_eye_distance(face_type: FaceType | str, crop_size: int) -> float:
    """Outer-eye-corner distance in crop pixels of a frontal face aligned to ``face_type``."""
    pad, _ = _FACE_TYPE_FRAME[FaceType(face_type)]
    return _TEMPLATE_EYE_DISTANCE * crop_size / (1.0 + 2.0 * pad)


def eye_distance(points: np.ndarray) -> float:
    return float(np.linalg.norm(points[45] - points[36]))


def geometry_problem(points: np.ndarray, face_type: FaceType | str, crop_size: int) -> str | None:
    """Why crop-space landmarks ``[68, 2]`` cannot be a face, or None if they can."""
    eyes = eye_distance(points)
    ratio = eyes / expected_eye_distance(face_type, crop_size)
    if not EYE_RATIO_RANGE[0] <= ratio <= EYE_RATIO_RANGE[1]:
        return f"eye distance {ratio:.2f}x the template's (plausible {EYE_RATIO_RANGE[0]}-{EYE_RATIO_RANGE[1]})"
    jaw = float(np.linalg.norm(points[16] - points[0])) / max(eyes, 1e-6)
    if not JAW_RATIO_RANGE[0] <= jaw <= JAW_RATIO_RANGE[1]:
        return f"jaw width {jaw:.2f}x the eye distance (plausible {JAW_RATIO_RANGE[0]}-{JAW_RATIO_RANGE[1]})"
    return _order_problem(points)


def _order_problem(points: np.ndarray) -> str | None:
    """Brows above eyes above nose tip above mouth above chin (crop space has no roll)."""
    parts = [
        ("brows", points[17:27, 1].mean()),
        ("eyes", points[36:48, 1].mean()),
        ("nose tip", points[30, 1]),
        ("mouth", points[48:60, 1].mean()),
        ("chin", points[8, 1]),
    ]
    for (upper, y0), (lower, y1) in zip(parts, parts[1:]):
        if y0 >= y1:
            return f"landmarks out of order: {lower} above {upper}"
    return None


def refit_error(
    crop: np.ndarray, points: np.ndarray, model: LandmarkModel, box: Box | None = None, unit: float | None = None
) -> float:
    """Mean distance between stored and re-fitted crop landmarks, in ``unit`` pixels (default: the face's
    outer-eye distance). ``box``: the crop-space box the stored landmarks were fitted from (default: theirs)."""
    again = model.fit(crop, box if box is not None else landmarks_box(points))
    return float(np.linalg.norm(again - points, axis=1).mean() / max(unit or eye_distance(points), 1e-6))


def box_in_crop(box: Box, matrix: np.ndarray) -> Box:
    """A plate-space detector box as the square box of the same framing in crop space (the crop removes
    roll, so the box is moved and scaled, not rotated: the predictor is started as it was on the plate)."""
    x0, y0, x1, y1 = box
    m = np.asarray(matrix, np.float64)
    cx, cy = m[:, :2] @ np.array([(x0 + x1) / 2, (y0 + y1) / 2]) + m[:, 2]
    scale = matrix_scale(m)
    half_w, half_h = (x1 - x0) * scale / 2, (y1 - y0) * scale / 2
    return float(cx - half_w), float(cy - half_h), float(cx + half_w), float(cy + half_h)


def refit_allowance(limit: float, yaw_degrees: float) -> float:
    """The re-fit limit at this yaw: a turned face's landmarks are less certain (the far side is hidden),
    so the allowance grows as 1/cos(yaw), up to 2x at 60 degrees and beyond."""
    return limit / max(float(np.cos(np.radians(yaw_degrees))), 0.5)
