"""128-d identity embeddings (dlib's ResNet face recogniser): distance < 0.6 ~ same person."""

from __future__ import annotations

from typing import Protocol

import dlib
import numpy as np

from faceplate.faces.landmarks import landmarks_box, to_dlib_rect
from faceplate.faces.weights import FACE_EMBEDDING, weights_path

SAME_PERSON_DISTANCE = 0.6  # dlib's documented threshold for its model


class FaceEmbedder(Protocol):
    name: str

    def embed(self, image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
        """Identity vector ``[128]`` for the face with ``landmarks`` in RGB uint8 ``image``."""


class DlibFaceEmbedder:
    name = "dlib-resnet-v1"

    def __init__(self, weights: str = FACE_EMBEDDING):
        self._model = dlib.face_recognition_model_v1(str(weights_path(weights)))

    def embed(self, image: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
        parts = [dlib.point(int(round(x)), int(round(y))) for x, y in landmarks]
        shape = dlib.full_object_detection(to_dlib_rect(landmarks_box(landmarks)), parts)
        return np.array(self._model.compute_face_descriptor(image, shape), dtype=np.float32)


def embedding_distance(a: np.ndarray, b: np.ndarray) -> float:
    diff = np.asarray(a, np.float32) - np.asarray(b, np.float32)
    return float(np.sqrt(np.sum(diff * diff)))  # not np.linalg.norm: its BLAS call costs ms on a loaded machine
