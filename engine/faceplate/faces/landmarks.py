"""68-point landmarks behind a small interface (iBUG 300-W point order).

dlib's shape predictor shipped in face_recognition_models was trained on iBUG 300-W, whose
terms exclude commercial use; a studio can implement ``LandmarkModel`` with its own model.
"""

from __future__ import annotations

from typing import Protocol

import dlib
import numpy as np

from faceplate.faces.weights import LANDMARKS_68, weights_path


class LandmarkModel(Protocol):
    name: str

    def fit(self, image: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
        """68 landmarks ``[68, 2]`` (x, y frame pixels) for the face in ``box`` of RGB uint8 ``image``."""


def to_dlib_rect(box: tuple[float, float, float, float]) -> dlib.rectangle:
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    return dlib.rectangle(x0, y0, x1, y1)


class DlibLandmarks68:
    name = "dlib-68"

    def __init__(self, weights: str = LANDMARKS_68):
        self._predictor = dlib.shape_predictor(str(weights_path(weights)))

    def fit(self, image: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
        shape = self._predictor(image, to_dlib_rect(box))
        return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)


def landmarks_box(landmarks: np.ndarray) -> tuple[float, float, float, float]:
    """A detector-like box from landmarks, used to follow a face between detections.

    dlib's HOG boxes span roughly brow-to-chin and jaw-to-jaw; the landmarks' bounding box
    is a close match, grown a little so the predictor starts from a familiar framing.
    """
    x0, y0 = landmarks.min(0)
    x1, y1 = landmarks.max(0)
    grow = 0.05 * max(x1 - x0, y1 - y0)
    return float(x0 - grow), float(y0 - grow), float(x1 + grow), float(y1 + grow)
