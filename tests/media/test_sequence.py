"""Image sequences and stills through OpenImageIO: patterns, gaps, formats, data windows, atomic writes."""

from __future__ import annotations

import os

import numpy as np
import OpenImageIO as oiio
import pytest

from faceplate.errors import FrameRangeError, MediaError
from faceplate.media import (
    FrameRange,
    format_pattern,
    image_output,
    open_plate,
    read_image,
    sequence_path,
    write_image,
    write_sequence_frame,
)


def frame_pixels(frame: int) -> np.ndarray:
    """A tiny half-representable image that says which frame it is."""
    img = np.zeros((6, 8, 3), np.float32)
    img[..., 0] = frame - 1000
    img[..., 1] = np.linspace(0.0, 2.0, 8)[None, :]
    img[..., 2] = 0.25
    return img.astype(np.float16).astype(np.float32)


@pytest.fixture
def exr_sequence(tmp_path):
    """plate.1001-1048.exr (half) with 1020 deleted."""
    pattern = format_pattern(tmp_path, "plate", "exr")
    for frame in range(1001, 1049):
        write_sequence_frame(pattern, frame, frame_pixels(frame))
    sequence_path(pattern, 1020).unlink()
    return tmp_path, pattern


def test_sequence_with_a_gap(exr_sequence):
    _, pattern = exr_sequence
    with open_plate(pattern) as plate:
        info = plate.info
        assert (info.kind, info.width, info.height, info.fps) == ("sequence", 8, 6, None)
        assert info.frame_range == FrameRange(1001, 1048)
        assert info.missing_frames == (1020,)
        assert (info.bit_depth, info.is_float) == (16, True)
        frames = [(frame, pixels) for frame, pixels in plate.iter_frames()]
        assert [f for f, _ in frames] == [f for f in range(1001, 1049) if f != 1020]
        for frame, pixels in frames:
            assert pixels.dtype == np.float32 and pixels.flags.c_contiguous
            assert np.array_equal(pixels, frame_pixels(frame)), frame
        with pytest.raises(FrameRangeError, match=r"frame 1020 is missing from sequence .*plate\.####\.exr"):
            plate.read(1020)
        assert [f for f, _ in plate.iter_frames(FrameRange(1018, 1022))] == [1018, 1019, 1021, 1022]


@pytest.mark.parametrize(
    "name", ["plate.####.exr", "plate.%04d.exr", "plate.@@@@.exr", "plate.[1001-1048].exr", "plate.1033.exr"]
)
def test_every_pattern_syntax_finds_the_same_frames(exr_sequence, name):
    directory, pattern = exr_sequence
    with open_plate(pattern) as reference, open_plate(directory / name) as plate:
        assert plate.info.frame_range == reference.info.frame_range
        assert plate.info.missing_frames == (1020,)
        assert plate.info.frame_files == reference.info.frame_files
        assert np.array_equal(plate.read(1033), frame_pixels(1033))


def test_explicit_range_narrows_or_widens(exr_sequence):
    directory, _ = exr_sequence
    with open_plate(directory / "plate.[1010-1015].exr") as plate:
        assert plate.info.frame_range == FrameRange(1010, 1015) and sorted(plate.info.frame_files) == list(
            range(1010, 1016)
        )
    with open_plate(directory / "plate.[1040-1050].exr") as plate:
        assert plate.info.missing_frames == (1049, 1050)


def test_empty_sequence_and_unreadable_frame(exr_sequence):
    directory, pattern = exr_sequence
    with pytest.raises(MediaError, match=r"empty sequence .*shot\.####\.exr"):
        open_plate(directory / "shot.####.exr")
    damaged = sequence_path(pattern, 1030)
    damaged.write_bytes(damaged.read_bytes()[:200])
    with open_plate(pattern) as plate:
        with pytest.raises(MediaError, match=r"frame 1030 \(.*plate\.1030\.exr\)"):
            plate.read(1030)
        with pytest.raises(MediaError, match=r"frame 1030"):
            list(plate.iter_frames())


def test_sequence_path_and_format_pattern(tmp_path):
    pattern = format_pattern(tmp_path, "layer", ".exr")
    assert pattern == os.path.join(tmp_path, "layer.####.exr")
    assert sequence_path(pattern, 1001) == tmp_path / "layer.1001.exr"
    assert sequence_path(pattern, 10001).name == "layer.10001.exr"
    assert sequence_path("a.%05d.png", 7).name == "a.00007.png"
    assert sequence_path("a.[1001-1100].dpx", 1050).name == "a.1050.dpx"
    assert sequence_path("shot_v002.1001.exr", 1002).name == "shot_v002.1002.exr"
    assert sequence_path("a.#.png", 3).name == "a.3.png"


def test_frames_past_the_padding_belong_to_the_sequence(tmp_path):
    pattern = format_pattern(tmp_path, "long", "png")
    for frame in (9999, 10000):
        write_sequence_frame(pattern, frame, np.zeros((2, 2, 3), np.uint8))
    write_image(tmp_path / "long.009.png", np.zeros((2, 2, 3), np.uint8))  # other padding: not ours
    with open_plate(pattern) as plate:
        assert plate.info.frame_range == FrameRange(9999, 10000) and plate.info.missing_frames == ()


@pytest.mark.parametrize(
    "ext, pixel_type, dtype, bits, tolerance",
    [
        ("png", None, np.uint8, 8, 0),
        ("png", "uint16", np.uint16, 16, 0),
        ("tif", None, np.uint16, 16, 0),
        ("tif", "uint8", np.uint8, 8, 0),
        ("dpx", "uint10", np.uint16, 10, 64),  # 65535/1023: one 10-bit step
        ("jpg", None, np.uint8, 8, 12),  # lossy: 4:2:0 chroma on saturated ramps
    ],
)
def test_integer_format_round_trips(tmp_path, ext, pixel_type, dtype, bits, tolerance):
    ramp = np.linspace(0.0, 1.0, 24 * 32).reshape(24, 32)
    img = np.stack([ramp, ramp[::-1], np.full_like(ramp, 0.5)], axis=2)
    pixels = np.round(img * np.iinfo(dtype).max).astype(dtype)
    path = tmp_path / f"img.{ext}"
    write_image(path, pixels, pixel_type=pixel_type)
    back = read_image(path)
    assert back.dtype == dtype and back.shape == pixels.shape
    assert np.abs(back.astype(np.int64) - pixels).max() <= tolerance
    with open_plate(path) as plate:  # a single unnumbered image opens as stills
        assert (plate.info.kind, plate.info.bit_depth, plate.info.is_float) == ("stills", bits, False)


def test_float_input_to_integer_file_uses_full_range(tmp_path):
    write_image(tmp_path / "f.png", np.array([[[0.0, 0.5, 1.0]]], np.float32), pixel_type="uint16")
    assert read_image(tmp_path / "f.png").tolist() == [[[0, 32768, 65535]]]


def test_rgba_and_grey_read_as_rgb(tmp_path):
    rgba = np.random.default_rng(1).random((4, 5, 4)).astype(np.float32)
    write_image(tmp_path / "layer.exr", rgba, pixel_type="float")
    spec = oiio.ImageInput.open(str(tmp_path / "layer.exr")).spec()
    assert spec.channelnames == ("R", "G", "B", "A") and spec.alpha_channel == 3
    assert np.array_equal(read_image(tmp_path / "layer.exr"), rgba[..., :3])
    grey = np.arange(20, dtype=np.uint8).reshape(4, 5)
    write_image(tmp_path / "grey.png", grey)
    assert np.array_equal(read_image(tmp_path / "grey.png"), np.repeat(grey[..., None], 3, axis=2))


def test_exr_data_window(tmp_path):
    crop = np.random.default_rng(2).random((8, 10, 4)).astype(np.float16).astype(np.float32)
    path = tmp_path / "layer.1001.exr"
    write_image(path, crop, data_window=(5, 3, 10, 8), display_size=(32, 24))
    inp = oiio.ImageInput.open(str(path))
    spec = inp.spec()
    assert (spec.x, spec.y, spec.width, spec.height) == (5, 3, 10, 8)
    assert (spec.full_x, spec.full_y, spec.full_width, spec.full_height) == (0, 0, 32, 24)
    assert np.array_equal(inp.read_image("float"), crop)
    inp.close()
    full = read_image(path)  # plates are whole frames: the window lands in the display window
    assert full.shape == (24, 32, 3)
    assert np.array_equal(full[3:11, 5:15], crop[..., :3]) and full.sum() == pytest.approx(
        crop[..., :3].sum(), rel=1e-5
    )
    # Same window cut from a full-size image.
    canvas = np.zeros((24, 32, 4), np.float32)
    canvas[3:11, 5:15] = crop
    write_image(tmp_path / "cut.exr", canvas, data_window=(5, 3, 10, 8))
    assert np.array_equal(read_image(tmp_path / "cut.exr"), full)


def test_write_refuses_what_the_format_cannot_hold(tmp_path):
    with pytest.raises(MediaError, match=r"\.jpg cannot store uint16"):
        write_image(tmp_path / "a.jpg", np.zeros((2, 2, 3), np.uint16), pixel_type="uint16")
    with pytest.raises(MediaError, match=r"data window needs an \.exr"):
        write_image(tmp_path / "a.png", np.zeros((2, 2, 3), np.uint8), data_window=(0, 0, 1, 1))
    with pytest.raises(MediaError, match=r"\[H, W, 3\]"):
        write_image(tmp_path / "a.png", np.zeros((2, 2, 2), np.uint8))
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "frame.1001.exr"
    write_image(path, np.ones((4, 4, 3), np.float32))
    before = path.read_bytes()
    assert os.listdir(tmp_path) == ["frame.1001.exr"]

    def half_write(out, array):
        out.write_scanline(0, 0, array[0])  # some bytes reach the temporary file, then it fails
        raise OSError("disk full")

    monkeypatch.setattr(image_output, "_write_pixels", half_write)
    with pytest.raises(OSError, match="disk full"):
        write_image(path, np.zeros((4, 4, 3), np.float32))
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["frame.1001.exr"]  # no temporary file left behind
    monkeypatch.setattr(image_output, "_write_pixels", lambda out, array: False)
    with pytest.raises(MediaError, match=r"cannot write .*frame\.1001\.exr"):
        write_image(path, np.zeros((4, 4, 3), np.float32))
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["frame.1001.exr"]


def test_stills_directory_numbers_in_name_order(tmp_path):
    write_image(tmp_path / "img10.png", np.full((4, 6, 3), 10, np.uint8))
    write_image(tmp_path / "img2.jpg", np.full((8, 5, 3), 200, np.uint8))
    write_image(tmp_path / "img1.exr", np.full((3, 3, 3), 0.5, np.float32))
    (tmp_path / "notes.txt").write_text("not an image")
    with open_plate(tmp_path, first_frame=1) as plate:
        info = plate.info
        assert (info.kind, info.frame_range, info.fps) == ("stills", FrameRange(1, 3), None)
        assert [os.path.basename(p) for p in info.frame_files.values()] == ["img1.exr", "img2.jpg", "img10.png"]
        assert (info.width, info.height, info.is_float) == (3, 3, True)  # of the first still
        assert [pixels.shape for _, pixels in plate.iter_frames()] == [(3, 3, 3), (8, 5, 3), (4, 6, 3)]
        assert plate.read(3).dtype == np.uint8
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(MediaError, match=r"no still images in .*empty"):
        open_plate(empty)


def test_numbered_file_without_siblings_is_a_still(tmp_path):
    write_image(tmp_path / "photo_0042.png", np.zeros((2, 3, 3), np.uint8))
    write_image(tmp_path / "other_0043.png", np.zeros((2, 3, 3), np.uint8))
    with open_plate(tmp_path / "photo_0042.png") as plate:
        assert (plate.info.kind, plate.info.frame_range) == ("stills", FrameRange(1001, 1001))


def test_missing_directory_is_named(tmp_path):
    with pytest.raises(MediaError, match=r"cannot list .*nowhere"):
        open_plate(tmp_path / "nowhere" / "plate.####.exr")
