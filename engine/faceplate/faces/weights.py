"""Locate the dlib weights shipped inside the ``face_recognition_models`` package.

The package's ``__init__`` imports ``pkg_resources`` (gone from current setuptools), so we
find its folder with ``importlib.util.find_spec`` instead of importing it. Nothing is ever
downloaded: a missing file is an install problem and says so.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from faceplate.errors import ModelFileError

HOG_DETECTOR = "builtin:hog"  # dlib's frontal HOG detector lives inside dlib itself
CNN_DETECTOR = "mmod_human_face_detector.dat"
LANDMARKS_68 = "shape_predictor_68_face_landmarks.dat"
FACE_EMBEDDING = "dlib_face_recognition_resnet_model_v1.dat"


def models_dir() -> Path:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError(
            "the face_recognition_models package is not installed; run `pip install face_recognition_models` "
            "(or `make install`) in the engine's environment"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "models"


def weights_path(name: str) -> Path:
    """Path of a weights file from face_recognition_models, or a user-given path as is."""
    candidate = Path(name)
    path = candidate if candidate.is_absolute() or candidate.parent != Path(".") else models_dir() / name
    if not path.is_file():
        raise ModelFileError(f"weights file {path} is missing; reinstall face_recognition_models or pass a valid path")
    return path
