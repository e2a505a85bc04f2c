"""Landmark sanity: implausible geometry and re-detection disagreement, in crop space.

A crop is a similarity alignment to the mean face, so in crop space a real face has its parts
in a fixed vertical order, eyes a predictable distance apart (shrinking with yaw) and a jaw
wider than the eyes. Landmarks that break these rules did not land on a face. Re-fitting the
68 points on the crop itself is a second opinion: where the two fits disagree by more than a
fraction of the eye distance, neither can be trusted.
"""

from __future__ import annotations

import numpy as np

from faceplate.faces.align import _FACE_TYPE_FRAME, TEMPLATE_51, FaceType
from faceplate.faces.landmarks import LandmarkModel, landmarks_box

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
    parts = [("brows", points[17:27, 1].mean()), ("eyes", points[36:48, 1].mean()), ("nose tip", points[30, 1]),
             ("mouth", points[48:60, 1].mean()), ("chin", points[8, 1])]
    for (upper, y0), (lower, y1) in zip(parts, parts[1:]):
        if y0 >= y1:
            return f"landmarks out of order: {lower} above {upper}"
    return None


def refit_error(crop: np.ndarray, points: np.ndarray, model: LandmarkModel) -> float:
    """Mean distance between stored and re-fitted crop landmarks, as a fraction of the eye distance."""
    again = model.fit(crop, landmarks_box(points))
    return float(np.linalg.norm(again - points, axis=1).mean() / max(eye_distance(points), 1e-6))
