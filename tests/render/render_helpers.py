"""The astronaut's face (tests/conftest.py's still) found, fitted and prepared for merging, as render does."""

from __future__ import annotations

import numpy as np

from faceplate.faces.detect import DlibHogDetector
from faceplate.faces.landmarks import DlibLandmarks68
from faceplate.media.colour import WORKING_SPACE, ColourTransform
from faceplate.render.face_plan import PlannedFace
from faceplate.render.merge import PreparedFace, prepare_face


def prepared_astronaut(astronaut: np.ndarray, resolution: int) -> tuple[np.ndarray, PreparedFace]:
    """(the plate's 68 landmarks, the face prepared at ``resolution`` in the working space, whole_face)."""
    box = DlibHogDetector().detect(astronaut)[0].box
    landmarks = DlibLandmarks68().fit(astronaut, box)
    colour = ColourTransform(WORKING_SPACE)
    return landmarks, prepare_face(astronaut, PlannedFace(0, landmarks), colour, "whole_face", resolution, margin=8)
