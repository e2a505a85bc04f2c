"""Without a learned mask the source's fringe stays off the plate's forehead.

The generator's face is the plate's own crop with a blonde fringe painted across the forehead, as a
source with hair over the brows teaches it; merged with the landmark masks (the CPU default), the
layer must show the plate above the brows, and the old full-forehead hull must not.
"""

from __future__ import annotations

import numpy as np
import pytest
from render_helpers import prepared_astronaut

from faceplate.masks.landmark_mask import BROWS
from faceplate.media.colour import WORKING_SPACE, ColourTransform
from faceplate.render.merge import merge_face
from faceplate.render.settings import MergeSettings

BLONDE = np.array([0.95, 0.85, 0.35], np.float32)
RESOLUTION = 128


@pytest.fixture(scope="module")
def plate_face(astronaut):
    landmarks, prepared = prepared_astronaut(astronaut, RESOLUTION)
    return astronaut, landmarks, ColourTransform(WORKING_SPACE), prepared


def _with_fringe(prepared) -> np.ndarray:
    """The crop with a fringe from just above the brows to the top of the crop."""
    face = prepared.crop.copy()
    brow_y = prepared.landmarks[BROWS, 1].min()
    face[: int(brow_y) - 2] = BLONDE
    return face


def _composite(plate, prepared, face, settings: MergeSettings, learned=None):
    colours, matte, _ = merge_face(
        prepared, face, np.ones_like(prepared.hull), learned, settings, ColourTransform(WORKING_SPACE), seed=0
    )
    out = plate.astype(np.float32) / 255
    region = out[prepared.region.slices()]
    region[:] = colours * matte[..., None] + region * (1 - matte[..., None])
    return out, matte


def _above_brows(plate_shape, landmarks, margin: float) -> np.ndarray:
    """Plate pixels above the brows' line by more than ``margin`` of the brow-to-chin height."""
    chin, brow = landmarks[8], landmarks[BROWS].mean(0)
    up = (brow - chin) / np.linalg.norm(brow - chin)
    ys, xs = np.mgrid[0 : plate_shape[0], 0 : plate_shape[1]]
    height = np.linalg.norm(brow - chin)
    return ((xs - brow[0]) * up[0] + (ys - brow[1]) * up[1]) > margin * height


def _blonde_pixels(image: np.ndarray) -> np.ndarray:
    return np.linalg.norm(image - BLONDE, axis=-1) < 0.08


def test_the_sources_fringe_is_kept_off_the_plates_forehead(plate_face):
    plate, landmarks, _, prepared = plate_face
    composite, matte = _composite(plate, prepared, _with_fringe(prepared), MergeSettings(colour_transfer="none"))
    above = _above_brows(plate.shape, landmarks, MergeSettings().forehead)
    plate01 = plate.astype(np.float32) / 255
    assert np.abs(composite[above] - plate01[above]).max() < 1e-6, "pixels above the brows come from the plate"
    assert not _blonde_pixels(composite).any(), "no pixel of the fringe reaches the composite at full strength"
    # below the brows the swap still shows: the face's own pixels are in the layer
    region_matte = np.zeros(plate.shape[:2], np.float32)
    region_matte[prepared.region.slices()] = matte
    nose = np.round(landmarks[30]).astype(int)
    assert region_matte[nose[1], nose[0]] > 0.99


def test_the_hull_without_the_fade_would_paste_the_fringe(plate_face):
    """The landmark hull alone (what the matte was before the fade; here given as the learned mask,
    which is never faded) shows the fringe above the brows: the check above can fail."""
    plate, landmarks, _, prepared = plate_face
    composite, _ = _composite(
        plate,
        prepared,
        _with_fringe(prepared),
        MergeSettings(colour_transfer="none", mask="learned"),
        learned=prepared.hull,
    )
    above = _above_brows(plate.shape, landmarks, MergeSettings().forehead)
    assert _blonde_pixels(composite)[above].sum() > 200


def test_a_learned_mask_keeps_its_own_forehead(plate_face):
    """With the learned mask in use the fade is not applied: it already tells hair from skin."""
    _, _, colour, prepared = plate_face
    ones = np.ones_like(prepared.hull)
    settings = MergeSettings(colour_transfer="none", mask="learned")
    _, matte, _ = merge_face(prepared, prepared.crop, ones, ones, settings, colour, seed=0)
    faded = MergeSettings(colour_transfer="none", mask="predicted")
    _, matte_faded, _ = merge_face(prepared, prepared.crop, ones, None, faded, colour, seed=0)
    assert matte.sum() > matte_faded.sum() * 1.05
