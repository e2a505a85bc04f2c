"""Colour conversion with OCIO's built-in ACES CG config, and the pixel helpers it builds on."""

from __future__ import annotations

import numpy as np
import pytest

from faceplate.errors import ColourError
from faceplate.media import (
    WORKING_SPACE,
    ColourTransform,
    FrameRange,
    PlateInfo,
    default_plate_space,
    list_colour_spaces,
    read_image,
    to_float01,
    working_uint8,
    write_image,
)
from faceplate.media.pixels import as_rgb


def hdr_pixels(seed: int = 0) -> np.ndarray:
    """Scene-linear values from 0 through shadows to highlights of 16, stored as half."""
    rng = np.random.default_rng(seed)
    img = np.exp(rng.uniform(np.log(1e-3), np.log(16.0), (12, 16, 3)))
    img[0, :4] = [[0, 0, 0], [1, 1, 1], [16, 16, 16], [0.18, 0.18, 0.18]]
    return img.astype(np.float16).astype(np.float32)


@pytest.mark.parametrize("plate_space", ["Linear Rec.709 (sRGB)", "ACEScg"])
def test_linear_exr_round_trip_through_the_working_space(tmp_path, plate_space):
    # Tolerance: half floats carry 11 significant bits, so one step is 2**-10 ~ 9.8e-4 of the
    # value; OCIO's float32 round trip is ~1e-6 of the pixel, so re-quantising to half returns
    # the same value or (on a rounding boundary) its neighbour: rtol 1e-3. atol 1e-4 covers a
    # tiny channel beside a bright one (ACEScg's matrices mix channels) where the error is
    # relative to the pixel, not the channel.
    original = hdr_pixels()
    write_image(tmp_path / "plate.exr", original)
    plate = read_image(tmp_path / "plate.exr")
    assert np.array_equal(plate, original)
    transform = ColourTransform(plate_space)
    working = transform.to_working(plate)
    assert working.dtype == np.float32 and working.shape == plate.shape
    write_image(tmp_path / "layer.exr", transform.to_plate(working))
    back = read_image(tmp_path / "layer.exr")
    assert np.allclose(back, original, rtol=1e-3, atol=1e-4)


def test_linear_to_srgb_values():
    transform = ColourTransform("lin_rec709")  # an alias
    working = transform.to_working(np.array([[[0.0, 0.18, 1.0]]], np.float32))
    assert working[0, 0] == pytest.approx([0.0, 0.4613, 1.0], abs=2e-4)  # the sRGB curve
    assert transform.to_working(np.array([[[4.0, 4.0, 4.0]]], np.float32))[0, 0, 0] > 1.0  # highlights not clipped


def test_acescg_white_stays_white_and_round_trips_in_float():
    transform = ColourTransform("acescg")
    assert transform.to_working(np.ones((1, 1, 3), np.float32))[0, 0] == pytest.approx([1, 1, 1], abs=1e-4)
    img = hdr_pixels(3)
    back = transform.to_plate(transform.to_working(img))
    # The gamut matrices mix channels, so float32 error scales with the pixel's brightest channel.
    error = np.abs(back - img).max(axis=2) / np.maximum(np.abs(img).max(axis=2), 1e-6)
    assert error.max() < 1e-5


def test_names_resolve_case_insensitively_and_through_aliases_and_roles():
    assert ColourTransform("ACESCG").plate_space == "ACEScg"
    assert ColourTransform("scene_linear").plate_space == "ACEScg"
    assert ColourTransform("srgb_tx").plate_space == WORKING_SPACE
    assert "ACEScg" in list_colour_spaces() and WORKING_SPACE in list_colour_spaces()


def test_unknown_colour_space_lists_what_exists():
    with pytest.raises(ColourError, match=r"unknown colour space 'ACES cg v2'.*ACEScg.*list_colour_spaces"):
        ColourTransform("ACES cg v2")
    with pytest.raises(ColourError, match=r"unknown colour space 'Rec709 linear'"):
        ColourTransform("ACEScg", working_space="Rec709 linear")


def test_identity_fast_path():
    transform = ColourTransform("sRGB Encoded Rec.709 (sRGB)")
    assert transform.is_identity and ColourTransform("Raw").is_identity
    img8 = np.random.default_rng(0).integers(0, 256, (4, 5, 3), dtype=np.uint8)
    assert working_uint8(img8, transform) is img8  # no copy, no float round trip
    assert np.array_equal(transform.to_working(img8), img8 / np.float32(255))
    img16 = np.array([[[0, 128, 129], [385, 65406, 65535]]], np.uint16)
    assert working_uint8(img16, transform).tolist() == [[[0, 0, 1], [1, 254, 255]]]


def test_working_uint8_converts_and_clips():
    transform = ColourTransform("Linear Rec.709 (sRGB)")
    img = np.array([[[0.18, 2.0, -0.5]]], np.float32)
    assert working_uint8(img, transform).tolist() == [[[118, 255, 0]]]
    assert img.tolist() == [[[pytest.approx(0.18), 2.0, -0.5]]]  # the caller's pixels are untouched


def test_default_plate_space():
    def info(is_float: bool, bits: int) -> PlateInfo:
        return PlateInfo("p", "sequence", 4, 4, None, FrameRange(1, 1), bit_depth=bits, is_float=is_float)

    assert default_plate_space(info(True, 16)) == "Linear Rec.709 (sRGB)"
    assert default_plate_space(info(False, 10)) == WORKING_SPACE


def test_to_float01_and_as_rgb():
    assert to_float01(np.array([0, 255], np.uint8)).tolist() == [0.0, 1.0]
    assert to_float01(np.array([65535], np.uint16)).tolist() == [1.0]
    hdr = np.array([3.5], np.float32)
    assert to_float01(hdr) is hdr and to_float01(np.array([2.0], np.float16)).dtype == np.float32
    with pytest.raises(TypeError, match="int32"):
        to_float01(np.array([1], np.int32))
    assert as_rgb(np.zeros((2, 3, 4))).shape == (2, 3, 3) and as_rgb(np.zeros((2, 3))).shape == (2, 3, 3)
