"""The plate's glasses, kept in front of the new face. The destination model learns to draw glasses the
actor wears in every frame, so the occlusion cue (``render.occlusion``: what that model cannot draw)
does not see them, and the source's decoder never saw them: without this the swap takes them off.

Glasses are found on the plate itself, at the plate's resolution, from what sets them apart from a face:
frames are lines darker than the skin beside them and much thinner than any feature (a morphological
black-hat at a tenth of the eyes' spacing), inside the lenses' zone around the eyes and outside the eyes
themselves (not the brows: a top rim often runs along them). The bridge decides whether there are glasses at
all: a dark line crossing the nose between the eyes' inner corners, where a face without glasses has only skin.
"""

from __future__ import annotations

import cv2
import numpy as np

from faceplate.masks.landmark_mask import LEFT_EYE, RIGHT_EYE

LINE_DARKNESS = (6.0, 14.0)  # Lab lightness below the skin around it: not a line at 6, a line from 14
# how much of the eyes is the face's own dark lines (lids, lashes, creases): their landmark hulls scaled by
# (across, up): a frame passes beside the eye's corners but above and below its lids. The brows are not
# left out: a frame's top rim often runs along them, and a fitter's brow points slide onto that rim
EYE_GROWTH = (1.3, 2.0)
BRIDGE_SHARE = 0.6  # the share of the bridge's width a line must cross for a face to wear glasses


def _lightness(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.clip(np.asarray(image, np.float32), 0.0, 1.0), cv2.COLOR_RGB2Lab)[..., 0]


def _disc(diameter: float) -> np.ndarray:
    size = max(3, int(round(diameter)) | 1)
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def dark_lines(image: np.ndarray, spacing: float) -> np.ndarray:
    """``[H, W]`` 0..1: thin lines darker than their surroundings (1 from ``LINE_DARKNESS[1]`` below them)."""
    lightness = _lightness(image)
    blackhat = cv2.morphologyEx(lightness, cv2.MORPH_BLACKHAT, _disc(spacing / 10))
    low, high = LINE_DARKNESS
    return np.clip((blackhat - low) / (high - low), 0.0, 1.0)


def _eye_frame(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """(right eye centre, left eye centre, their spacing, the eye line's angle in degrees)."""
    right, left = landmarks[RIGHT_EYE].mean(0), landmarks[LEFT_EYE].mean(0)
    across = left - right
    return right, left, float(np.hypot(*across)), float(np.degrees(np.arctan2(across[1], across[0])))


def lens_zone(shape: tuple[int, int], landmarks: np.ndarray) -> np.ndarray:
    """``[H, W]`` 0/1: where a pair of glasses' frames can be: an ellipse around each eye and the bridge
    between them, minus the eyes (dark lines of the face itself)."""
    right, left, spacing, angle = _eye_frame(landmarks)
    zone = np.zeros(shape, np.uint8)
    axes = (int(round(0.6 * spacing)), int(round(0.45 * spacing)))
    for centre in (right, left):
        cv2.ellipse(zone, (int(round(centre[0])), int(round(centre[1]))), axes, angle, 0, 360, 1, -1)
    features = np.zeros(shape, np.uint8)
    for part, (wide, tall) in ((RIGHT_EYE, EYE_GROWTH), (LEFT_EYE, EYE_GROWTH)):
        points = landmarks[part]
        centre = points.mean(0)
        grown = centre + (points - centre) * np.array([wide, tall])
        cv2.fillConvexPoly(features, cv2.convexHull(np.round(grown).astype(np.int32)), 1)
    return zone * (1 - features)


def _bridge(shape: tuple[int, int], landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(columns, rows) of the bridge strip: between the eyes' inner corners (39, 42), from a quarter of the
    eyes' spacing above their line to a tenth below (axis-aligned: the strip is short and the roll small)."""
    _, _, spacing, _ = _eye_frame(landmarks)
    inner_right, inner_left = landmarks[39], landmarks[42]
    x0, x1 = sorted((inner_right[0], inner_left[0]))
    margin = 0.2 * (x1 - x0)  # the eyes' corners themselves are dark
    line_y = 0.5 * (inner_right[1] + inner_left[1])
    columns = np.arange(int(np.ceil(x0 + margin)), int(np.floor(x1 - margin)) + 1)
    rows = np.arange(int(round(line_y - 0.25 * spacing)), int(round(line_y + 0.1 * spacing)) + 1)
    height, width = shape
    return columns[(columns >= 0) & (columns < width)], rows[(rows >= 0) & (rows < height)]


def wears_glasses(lines: np.ndarray, landmarks: np.ndarray) -> bool:
    """Whether a dark line crosses the bridge strip over ``BRIDGE_SHARE`` of its width."""
    columns, rows = _bridge(lines.shape, landmarks)
    if len(columns) < 2 or len(rows) < 2:
        return False
    crossed = lines[np.ix_(rows, columns)].max(axis=0) > 0.5
    return float(crossed.mean()) >= BRIDGE_SHARE


def glasses_map(image: np.ndarray, landmarks: np.ndarray) -> np.ndarray | None:
    """``[H, W]`` 0..1 over ``image`` (plate pixels, working space): the frames of the glasses the face at
    ``landmarks`` (68 points in ``image``'s pixels) wears, softened by a pixel; None without glasses."""
    spacing = _eye_frame(landmarks)[2]
    if spacing < 8:  # too small a face to tell a frame from skin
        return None
    lines = dark_lines(image, spacing)
    if not wears_glasses(lines, landmarks):
        return None
    frames = lines * lens_zone(lines.shape, landmarks)
    return np.clip(cv2.GaussianBlur(frames, (0, 0), 0.7), 0.0, 1.0)
