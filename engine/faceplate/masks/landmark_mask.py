"""Masks drawn from 68 landmarks in crop coordinates: the face hull, and eyes/mouth regions.

The hull follows the jaw and, for face types that show the forehead (whole_face, head),
extends above the brows by mirroring the brow-to-chin direction, since the 68 points stop at
the brows. Eyes and mouth masks drive the eye/mouth priority weighting of the training loss.
"""

from __future__ import annotations

import cv2
import numpy as np

from faceplate.faces.align import FaceType

JAW = slice(0, 17)
BROWS = slice(17, 27)
RIGHT_BROW, LEFT_BROW = slice(17, 22), slice(22, 27)
RIGHT_EYE, LEFT_EYE = slice(36, 42), slice(42, 48)
MOUTH = slice(48, 60)
EYES_AND_MOUTH = (RIGHT_EYE, LEFT_EYE, MOUTH)  # the training loss's priority regions
FEATURES = (RIGHT_BROW, LEFT_BROW, RIGHT_EYE, LEFT_EYE, MOUTH)  # what tells one person from another

# How far above the brows the forehead reaches, as a fraction of the brow-to-chin height.
_FOREHEAD = {FaceType.HALF: 0.0, FaceType.FULL: 0.08, FaceType.WHOLE_FACE: 0.30, FaceType.HEAD: 0.45}


def forehead_points(landmarks: np.ndarray, face_type: FaceType | str) -> np.ndarray:
    """Brow points lifted towards the hairline, for the face types that include the forehead."""
    lift = _FOREHEAD[FaceType(face_type)]
    brows = landmarks[BROWS]
    chin = landmarks[8]
    up = brows.mean(0) - chin  # chin -> brow centre: "up" on this head, whatever its roll
    return brows + up * lift


def face_hull_mask(landmarks: np.ndarray, size: int, face_type: FaceType | str) -> np.ndarray:
    """uint8 [size, size] mask (255 = face) from crop-space landmarks ``[68, 2]``."""
    points = np.concatenate([landmarks[JAW], forehead_points(landmarks, face_type)])
    mask = np.zeros((size, size), np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(points).astype(np.int32)), 255, lineType=cv2.LINE_AA)
    return mask


def forehead_fade(landmarks: np.ndarray, size: int, reach: float) -> np.ndarray:
    """float32 [size, size] weight: 1 up to the brows' line, falling linearly to 0 at ``reach`` of the
    brow-to-chin height above it (0: a hard edge at the brows).

    Without a learned mask nothing tells the source's fringe from skin, and the hull's forehead would
    paste it over the plate's forehead; above the brows the plate shows through instead."""
    chin, brow = landmarks[8].astype(np.float64), landmarks[BROWS].mean(0).astype(np.float64)
    up = brow - chin
    height = float(np.hypot(*up))
    if height < 1e-6:
        return np.ones((size, size), np.float32)
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64)
    above = ((xs - brow[0]) * up[0] + (ys - brow[1]) * up[1]) / height  # pixels above the brows' line
    if reach <= 0:
        return (above <= 0).astype(np.float32)
    return np.clip(1.0 - above / (reach * height), 0.0, 1.0).astype(np.float32)


def parts_mask(
    landmarks: np.ndarray, size: int, grow: float = 0.25, parts: tuple[slice, ...] = EYES_AND_MOUTH
) -> np.ndarray:
    """uint8 [size, size] mask of ``parts`` of the face (default both eyes and the mouth), each part's landmark
    hull grown by ``grow`` of its width."""
    mask = np.zeros((size, size), np.uint8)
    for part in parts:
        pts = landmarks[part]
        centre = pts.mean(0)
        grown = centre + (pts - centre) * (1.0 + 2.0 * grow)
        cv2.fillConvexPoly(mask, cv2.convexHull(np.round(grown).astype(np.int32)), 255, lineType=cv2.LINE_AA)
    return mask
