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
    np.testing.assert_array_equal(
        transfer_colour("sot", source, target, mask, mask), transfer_colour("sot", source, target, mask, mask)
    )


def test_none_leaves_the_face_alone(faces):
    source, target, mask = faces
    np.testing.assert_array_equal(transfer_colour("none", source, target, mask, mask), source)


def test_unknown_mode_lists_the_choices(faces):
    with pytest.raises(FaceplateError, match="rct, lct, mkl"):
        transfer_colour("fancy", *faces, faces[2])


# --- a coloured prop in front of the chin must not tint the face ---------------------------------

GREEN = np.array([0.10, 0.75, 0.15], np.float32)  # a saturated green object (a bottle, a leaf)


def _lab_ab(pixels: np.ndarray) -> np.ndarray:
    """Mean a*, b* of RGB pixels ``[N, 3]`` in 0..1."""
    import cv2

    lab = cv2.cvtColor(np.clip(pixels, 0, 1).reshape(-1, 1, 3).astype(np.float32), cv2.COLOR_RGB2LAB)
    return lab.reshape(-1, 3)[:, 1:].mean(0)


@pytest.fixture(scope="module")
def prop_scene(astronaut):
    """(generated face, plate face with a green prop over ~20% of the lower face mask, face mask,
    prop mask), float32 crops of a real face at 128 px: the generated face is the plate's face with
    a cool cast and no prop (what a swap trained on other footage looks like before transfer)."""
    from faceplate.faces.align import crop_matrix, transform_points, warp_face
    from faceplate.faces.detect import DlibHogDetector
    from faceplate.faces.landmarks import DlibLandmarks68
    from faceplate.masks.landmark_mask import face_hull_mask

    box = max(DlibHogDetector().detect(astronaut), key=lambda d: d.size).box
    points = DlibLandmarks68().fit(astronaut, box)
    matrix = crop_matrix(points, "whole_face", 128)
    plate = warp_face(astronaut, matrix, 128).astype(np.float32) / 255
    mask = face_hull_mask(transform_points(points, matrix), 128, "whole_face").astype(np.float32) / 255
    generated = np.clip(plate * np.array([0.80, 0.95, 1.20], np.float32) + 0.03, 0, 1)
    inside = mask > 0.5
    rows = np.nonzero(inside.any(1))[0]
    prop = np.zeros_like(inside)
    for y in rows[::-1]:  # fill from the chin up until the prop covers a fifth of the face mask
        prop[y] = inside[y]
        if prop.sum() >= 0.2 * inside.sum():
            break
    prop_plate = plate.copy()
    prop_plate[prop] = GREEN
    return generated, prop_plate, mask, prop


@pytest.mark.parametrize("mode", [m for m in MODES if m != "none"])
def test_a_green_prop_in_front_of_the_chin_does_not_tint_the_face(prop_scene, mode):
    generated, plate, mask, prop = prop_scene
    skin = (mask > 0.5) & ~prop
    assert 0.18 <= prop.sum() / (mask > 0.5).sum() <= 0.25
    plate_skin = _lab_ab(plate[skin])
    # the old statistics (every masked pixel, unclipped) are far from the skin's: they would tint the face
    assert np.linalg.norm(_lab_ab(plate[mask > 0.5]) - plate_skin) > 10
    out = transfer_colour(mode, generated, plate, mask, mask)
    shift = np.linalg.norm(_lab_ab(out[skin]) - plate_skin)
    before = np.linalg.norm(_lab_ab(generated[skin]) - plate_skin)
    assert shift < 4.0 and shift < 0.35 * before, f"{mode}: a*b* off by {shift:.1f} (was {before:.1f})"


def test_skin_selection_leaves_out_the_prop_and_keeps_the_skin(prop_scene):
    from faceplate.render.colour_transfer import skin_selection

    _, plate, mask, prop = prop_scene
    chosen = skin_selection(plate, mask)
    assert not (chosen & prop).any()
    assert (chosen & ~prop & (mask > 0.5)).sum() >= 0.85 * ((mask > 0.5) & ~prop).sum()


def test_the_transfer_cannot_swing_the_face_beyond_its_limits(faces):
    """A plate 'face' of one flat green: the face keeps at least half its spread (gain clipped) and its
    mean moves at most 0.5 per channel (an unclipped transfer would flatten it to the green)."""
    source, _, mask = faces
    target = np.zeros_like(source) + np.array([0.25, 0.6, 0.3], np.float32)
    for mode in ("rct", "lct", "mkl", "idt", "sot"):
        out = transfer_colour(mode, source, target, mask, mask)
        inside = mask > 0.5
        assert out[inside].std(0).min() >= 0.4 * source[inside].std(0).min(), mode
        assert np.abs(out[inside].mean(0) - source[inside].mean(0)).max() <= 0.55, mode
