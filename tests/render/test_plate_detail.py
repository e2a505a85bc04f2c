"""``--detail``: the plate's own fine detail (finer than the model draws) comes back over the swap's skin,
but not over the brows, eyes and mouth, whose fine lines would carry the plate's person into the swap.

The generator's face is the plate's own crop blurred by a model pixel, as a young model draws it; what a
compositor checks is the layer's texture on the cheeks against the plate's, and that the eyes of the layer
are the swap's alone.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from render_helpers import prepared_astronaut

from faceplate.masks.landmark_mask import LEFT_EYE, RIGHT_EYE
from faceplate.media.colour import WORKING_SPACE, ColourTransform
from faceplate.quality.measures import laplacian_energy
from faceplate.render.merge import merge_face
from faceplate.render.settings import MergeSettings

RESOLUTION = 64  # the CPU preview model's size: the astronaut's face is about three plate pixels a model pixel


@pytest.fixture(scope="module")
def plate_face(astronaut):
    return prepared_astronaut(astronaut, RESOLUTION)


def _merged(prepared, detail: float, plate_working=None) -> tuple[np.ndarray, np.ndarray]:
    soft = cv2.GaussianBlur(prepared.crop, (0, 0), 1.0)  # what a young model draws: no detail finer than it
    if plate_working is not None:
        prepared = type(prepared)(**{**prepared.__dict__, "region_working": plate_working})
    settings = MergeSettings(colour_transfer="none", occlusion="off", detail=detail)
    merged = merge_face(prepared, soft, np.ones_like(prepared.hull), None, settings, ColourTransform(WORKING_SPACE), 0)
    return merged.colours, merged.matte


def _cheeks(prepared, landmarks) -> np.ndarray:
    """Plate pixels (over the region) of both cheeks: between the jaw's sides and the nose, below the eyes."""
    mask = np.zeros((prepared.region.height, prepared.region.width), np.uint8)
    offset = np.array([prepared.region.x0, prepared.region.y0])
    for jaw, nose in ((2, 31), (14, 35)):
        points = np.array([landmarks[jaw], landmarks[jaw + 1], landmarks[nose], landmarks[nose] - [0, 12]])
        cv2.fillConvexPoly(mask, np.round(points - offset).astype(np.int32), 1)
    return mask.astype(bool)


def _eyes(prepared, landmarks) -> np.ndarray:
    mask = np.zeros((prepared.region.height, prepared.region.width), np.uint8)
    offset = np.array([prepared.region.x0, prepared.region.y0])
    for eye in (RIGHT_EYE, LEFT_EYE):
        cv2.fillConvexPoly(mask, np.round(landmarks[eye] - offset).astype(np.int32), 1)
    return mask.astype(bool)


def test_the_plates_skin_texture_comes_back_on_the_cheeks(plate_face):
    landmarks, prepared = plate_face
    cheeks = _cheeks(prepared, landmarks)
    assert cheeks.sum() > 500
    plate = laplacian_energy(prepared.region_working, cheeks)
    without, _ = _merged(prepared, 0.0)
    with_detail, _ = _merged(prepared, 1.0)
    sharpness = laplacian_energy(without, cheeks) / plate, laplacian_energy(with_detail, cheeks) / plate
    print(
        f"\ncheeks' Laplacian energy over the plate's: {sharpness[0]:.3f} without, {sharpness[1]:.3f} with --detail 1"
    )
    assert sharpness[0] < 0.3, "the soft swap alone lacks the plate's texture"
    assert sharpness[1] > 0.25, "the plate's texture is back on the skin"
    half, _ = _merged(prepared, 0.5)
    assert sharpness[0] < laplacian_energy(half, cheeks) / plate < sharpness[1], "--detail scales it"


def test_the_eyes_stay_the_swaps_own(plate_face):
    landmarks, prepared = plate_face
    eyes = _eyes(prepared, landmarks)
    without, _ = _merged(prepared, 0.0)
    with_detail, matte = _merged(prepared, 1.0)
    assert matte[eyes].min() > 0.5, "the eyes are in the layer"
    assert np.abs(with_detail[eyes] - without[eyes]).max() < 2 / 255, "no plate detail over the eyes"


def test_a_plate_with_no_fine_detail_adds_nothing(plate_face):
    """Detail is taken from the plate, never made up: a soft plate leaves the swap as it was."""
    _, prepared = plate_face
    model_px = 1.0 / np.sqrt(abs(np.linalg.det(prepared.matrix[:, :2])))  # plate pixels a model pixel
    soft_plate = cv2.GaussianBlur(prepared.region_working, (0, 0), 3 * model_px)  # softer than the model draws
    without, _ = _merged(prepared, 0.0, soft_plate)
    with_detail, _ = _merged(prepared, 1.0, soft_plate)
    assert np.abs(with_detail - without).max() < 2 / 255
