"""The plate's glasses found on single frames (``render.glasses``), as the render keeps them in front: real
faces without glasses give none (the bridge between the eyes is skin); a face wearing drawn glasses gives
their frames; a real actor's thin metal glasses (head_turns/d19) are found.

The render's own check, a trained swap that keeps drawn glasses from the plate, is in test_occlusion_cue.py."""

from __future__ import annotations

import numpy as np
import pytest
from occluder_helpers import draw_glasses, iou

from faceplate.faces.detect import DlibHogDetector
from faceplate.faces.landmarks import DlibLandmarks68
from faceplate.media import open_plate, to_float01
from faceplate.render.glasses import glasses_map

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def faces():
    detector, fitter = DlibHogDetector(), DlibLandmarks68()

    def read(path, frame: int) -> tuple[np.ndarray, np.ndarray]:
        """(the frame, RGB uint8; its face's 68 landmarks)."""
        with open_plate(path, first_frame=1001) as plate:
            image = plate.read(frame)[..., :3]
        return image, fitter.fit(image, detector.detect(image)[0].box)

    return read


def _found(image: np.ndarray, points: np.ndarray) -> np.ndarray | None:
    return glasses_map(to_float01(image), points)


@pytest.mark.parametrize(
    "clip", ["talking_heads/grid_bbaf2n.mpg", "talking_heads/grid_lwbsza.mpg", "head_turns/d18.mp4"]
)
def test_a_face_without_glasses_has_none(test_data, faces, clip):
    for frame in (1005, 1040, 1070):
        assert _found(*faces(test_data / clip, frame)) is None, f"{clip} frame {frame}"


def test_drawn_glasses_are_found_along_their_frames(test_data, faces):
    for frame in (1005, 1040, 1070):
        image, points = faces(test_data / "talking_heads" / "grid_bbaf2n.mpg", frame)
        worn, truth = draw_glasses(image, points)
        found = _found(worn, points)
        assert found is not None, f"frame {frame}: no glasses found"
        score = iou((255 * found).astype(np.uint8), truth)
        assert score >= 0.75, f"frame {frame}: IoU {score:.3f} with the drawn frames"


def test_a_real_actors_metal_glasses_are_found(test_data, faces):
    for frame in (1005, 1100, 1200):
        image, points = faces(test_data / "head_turns" / "d19.mp4", frame)
        found = _found(image, points)
        assert found is not None and (found > 0.5).sum() > 50, f"d19 frame {frame}"
