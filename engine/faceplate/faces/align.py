"""Similarity alignment of a face to the canonical template (Umeyama), per face type.

A crop is defined by one 2x3 matrix ``M`` (plate pixels -> crop pixels). Everything the later
stages need (paste-back, landmark re-projection) follows from ``M`` and its inverse.
"""

from __future__ import annotations

import enum

import cv2
import numpy as np

# Mean face of the 51 inner 68-point landmarks (brows, nose, eyes, mouth; no jaw) in a unit
# square: the widely used template from the face-alignment literature, as DeepFaceLab uses it.
_TEMPLATE_X = [
    0.000213256,
    0.0752622,
    0.18113,
    0.29077,
    0.393397,
    0.586856,
    0.689483,
    0.799124,
    0.904991,
    0.98004,
    0.490127,
    0.490127,
    0.490127,
    0.490127,
    0.36688,
    0.426036,
    0.490127,
    0.554217,
    0.613373,
    0.121737,
    0.187122,
    0.265825,
    0.334606,
    0.260918,
    0.182743,
    0.645647,
    0.714428,
    0.793132,
    0.858516,
    0.79751,
    0.719335,
    0.254149,
    0.340985,
    0.428858,
    0.490127,
    0.551395,
    0.639268,
    0.726104,
    0.642159,
    0.556721,
    0.490127,
    0.423532,
    0.338094,
    0.290379,
    0.428096,
    0.490127,
    0.552157,
    0.689874,
    0.553364,
    0.490127,
    0.42689,
]
_TEMPLATE_Y = [
    0.106454,
    0.038915,
    0.0187482,
    0.0344891,
    0.0773906,
    0.0773906,
    0.0344891,
    0.0187482,
    0.038915,
    0.106454,
    0.203352,
    0.307009,
    0.409805,
    0.515625,
    0.587326,
    0.609345,
    0.628106,
    0.609345,
    0.587326,
    0.216423,
    0.178758,
    0.179852,
    0.231733,
    0.245099,
    0.244077,
    0.231733,
    0.179852,
    0.178758,
    0.216423,
    0.244077,
    0.245099,
    0.780233,
    0.745405,
    0.727388,
    0.742578,
    0.727388,
    0.745405,
    0.780233,
    0.864805,
    0.902192,
    0.909281,
    0.902192,
    0.864805,
    0.784792,
    0.778746,
    0.785343,
    0.778746,
    0.784792,
    0.824182,
    0.831803,
    0.824182,
]
TEMPLATE_51 = np.stack([_TEMPLATE_X, _TEMPLATE_Y], axis=1).astype(np.float64)
TEMPLATE_NAME = "mean-face-51.v1"
INNER_POINTS = slice(17, 68)  # the template covers landmarks 17..67


class FaceType(str, enum.Enum):
    """How much of the head a crop covers, as DeepFaceLab users know the names."""

    HALF = "half"
    FULL = "full"
    WHOLE_FACE = "whole_face"
    HEAD = "head"


# (padding around the unit template square, upward shift), both in template units.
# Wider types add forehead/hair, so the crop centre moves up as well as out.
_FACE_TYPE_FRAME = {
    FaceType.HALF: (0.0, 0.0),
    FaceType.FULL: (0.2109375, 0.0),
    FaceType.WHOLE_FACE: (0.40, 0.07),
    FaceType.HEAD: (0.70, 0.14),
}


def face_type_padding(face_type: FaceType | str) -> float:
    """Padding around the template's unit square on each side, in template units."""
    return _FACE_TYPE_FRAME[FaceType(face_type)][0]


def umeyama(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity transform (rotation, uniform scale, translation) src -> dst.

    Shapes: src, dst ``[N, 2]``. Returns a 3x3 homogeneous matrix. Umeyama, PAMI 1991.
    """
    src = np.asarray(src, np.float64)
    dst = np.asarray(dst, np.float64)
    n = src.shape[0]
    src_mean, dst_mean = src.mean(0), dst.mean(0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    cov = dst_c.T @ src_c / n
    u, s, vt = np.linalg.svd(cov)
    d = np.ones(2)
    if np.linalg.det(cov) < 0:
        d[1] = -1
    rot = u @ np.diag(d) @ vt
    var = (src_c**2).sum() / n
    scale = (s * d).sum() / var if var > 0 else 1.0
    out = np.eye(3)
    out[:2, :2] = scale * rot
    out[:2, 2] = dst_mean - scale * rot @ src_mean
    return out


def crop_matrix(landmarks: np.ndarray, face_type: FaceType | str, size: int) -> np.ndarray:
    """2x3 matrix mapping plate pixels to a ``size``x``size`` crop of ``face_type``."""
    pad, shift = _FACE_TYPE_FRAME[FaceType(face_type)]
    to_unit = umeyama(np.asarray(landmarks, np.float64)[INNER_POINTS], TEMPLATE_51)
    scale = size / (1.0 + 2.0 * pad)
    unit_to_crop = np.array([[scale, 0, pad * scale], [0, scale, (pad + shift) * scale], [0, 0, 1]])
    return (unit_to_crop @ to_unit)[:2]


def invert_matrix(matrix: np.ndarray) -> np.ndarray:
    return cv2.invertAffineTransform(np.asarray(matrix, np.float64))


def transform_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Apply a 2x3 affine matrix to ``[N, 2]`` points."""
    pts = np.asarray(points, np.float64)
    return pts @ np.asarray(matrix, np.float64)[:, :2].T + np.asarray(matrix, np.float64)[:, 2]


def matrix_scale(matrix: np.ndarray) -> float:
    """How much a 2x3 similarity ``matrix`` enlarges lengths (crop pixels per image pixel for a crop matrix)."""
    return float(np.sqrt(abs(np.linalg.det(np.asarray(matrix, np.float64)[:, :2]))))


def warp_face(image: np.ndarray, matrix: np.ndarray, size: int) -> np.ndarray:
    """Aligned crop: ``image`` [H, W, C] warped by ``matrix`` into [size, size, C].

    Bicubic where the crop enlarges the face a lot (small faces), bilinear otherwise: at mild
    scales the two differ by less than the crop's own later resampling, at 2.5x the cost.
    """
    matrix = np.asarray(matrix, np.float64)
    flags = cv2.INTER_CUBIC if matrix_scale(matrix) > 1.5 else cv2.INTER_LINEAR
    return cv2.warpAffine(image, matrix, (size, size), flags=flags, borderMode=cv2.BORDER_REPLICATE)
