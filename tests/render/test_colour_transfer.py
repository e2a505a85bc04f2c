import numpy as np
import pytest

from faceplate.errors import FaceplateError
from faceplate.render.colour_transfer import MODES, transfer_colour


@pytest.fixture()
def faces():
    rng = np.random.default_rng(1)
    # a cool, dim generated face and a warm, bright plate face, with texture
    texture = rng.normal(0, 0.05, (64, 64, 3))
    source = np.clip(np.array([0.35, 0.40, 0.55]) + texture, 0, 1).astype(np.float32)
    target = np.clip(np.array([0.75, 0.55, 0.40]) + rng.normal(0, 0.08, (64, 64, 3)), 0, 1).astype(np.float32)
    mask = np.zeros((64, 64), np.float32)
    mask[8:56, 12:52] = 1
    return source, target, mask


@pytest.mark.parametrize("mode", [m for m in MODES if m != "none"])
def test_each_mode_moves_the_face_mean_toward_the_plate(faces, mode):
    source, target, mask = faces
    inside = mask > 0.5
    before = np.linalg.norm(source[inside].mean(0) - target[inside].mean(0))
    out = transfer_colour(mode, source, target, mask, mask)
    after = np.linalg.norm(out[inside].mean(0) - target[inside].mean(0))
    assert out.shape == source.shape and out.dtype == np.float32
    assert after < 0.25 * before, f"{mode}: {before:.3f} -> {after:.3f}"


def test_transfer_is_deterministic(faces):
    source, target, mask = faces
    np.testing.assert_array_equal(transfer_colour("sot", source, target, mask, mask),
                                  transfer_colour("sot", source, target, mask, mask))


def test_none_leaves_the_face_alone(faces):
    source, target, mask = faces
    np.testing.assert_array_equal(transfer_colour("none", source, target, mask, mask), source)


def test_unknown_mode_lists_the_choices(faces):
    with pytest.raises(FaceplateError, match="rct, lct, mkl"):
        transfer_colour("fancy", *faces, faces[2])
