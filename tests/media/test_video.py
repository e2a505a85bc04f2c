"""Video plates: exact frame numbers, random access, rotation, timecode and clear errors."""

from __future__ import annotations

import random
from fractions import Fraction

import av
import numpy as np
import pytest
from media_helpers import HEIGHT, WIDTH, coded_frame, read_code

from faceplate.errors import FrameRangeError, MediaError
from faceplate.media import FrameRange, open_plate

CODECS = {
    "mp4": ("libx264", "yuv420p"),
    "mov": ("libx264", "yuv420p"),
    "mkv": ("libx264", "yuv420p"),
    "avi": ("mjpeg", "yuvj420p"),
    "mpg": ("mpeg1video", "yuv420p"),
}


# MKV and MPEG-PS headers hold no frame count (MPEG-PS's duration here says half a frame).
@pytest.mark.parametrize(
    "name, rate",
    [
        ("clip.mp4", Fraction(30000, 1001)),
        ("clip.mov", Fraction(24000, 1001)),
        ("clip.mkv", Fraction(25)),
        ("clip.avi", Fraction(30)),
        ("clip.mpg", Fraction(30000, 1001)),
    ],
)
def test_info_counts_frames_and_keeps_exact_fps(make_video, name, rate):
    codec, pix_fmt = CODECS[name.rsplit(".", 1)[1]]
    path = make_video(name, rate=rate, codec=codec, pix_fmt=pix_fmt)
    with open_plate(path) as plate:
        info = plate.info
    assert info.kind == "video"
    assert (info.width, info.height) == (WIDTH, HEIGHT)
    assert info.fps == rate and isinstance(info.fps, Fraction)
    assert info.frame_range == FrameRange(1001, 1012)
    assert (info.rotation, info.bit_depth, info.is_float, info.timecode) == (0, 8, False, None)


# GOPs with B-frames (mp4, mkv), intra-only (avi/mjpeg), and MPEG-PS whose seeks land imprecisely.
@pytest.mark.parametrize("name", ["clip.mp4", "clip.mkv", "clip.avi", "clip.mpg"])
def test_random_access_returns_exactly_the_frame_asked_for(make_video, name):
    codec, pix_fmt = CODECS[name.rsplit(".", 1)[1]]
    path = make_video(name, rate=Fraction(30000, 1001), codec=codec, pix_fmt=pix_fmt)
    with open_plate(path) as plate:
        sequential = dict(plate.iter_frames())
        order = list(plate.info.frame_range) * 2
        random.Random(7).shuffle(order)
        for frame in order:
            pixels = plate.read(frame)
            assert read_code(pixels) == frame - 1001, f"read({frame})"
            assert np.array_equal(pixels, sequential[frame]), f"read({frame}) differs from sequential decode"
    assert [read_code(sequential[f]) for f in sorted(sequential)] == list(range(12))


def test_frames_are_uint8_rgb_and_contiguous(make_video):
    with open_plate(make_video()) as plate:
        pixels = plate.read(1001)
    assert pixels.dtype == np.uint8 and pixels.shape == (HEIGHT, WIDTH, 3) and pixels.flags.c_contiguous
    red_block = pixels[HEIGHT // 2 + 4 : -4, 4:12].mean(axis=(0, 1))
    assert red_block[0] > 180 and red_block[1] < 80  # R first, not BGR


def test_iter_frames_over_a_sub_range(make_video):
    with open_plate(make_video()) as plate:
        plate.read(1011)  # leave the decoder somewhere else first
        got = [(frame, read_code(pixels)) for frame, pixels in plate.iter_frames(FrameRange(1004, 1009))]
    assert got == [(f, f - 1001) for f in range(1004, 1010)]


def test_reading_a_closed_plate_is_refused(make_video):
    plate = open_plate(make_video())
    plate.close()
    plate.close()  # twice is harmless
    with pytest.raises(MediaError, match=r"frame 1005 .*closed"):
        plate.read(1005)


def test_first_frame_sets_plate_numbers(make_video):
    with open_plate(make_video(), first_frame=1) as plate:
        assert plate.info.frame_range == FrameRange(1, 12)
        assert read_code(plate.read(5)) == 4


def test_frame_outside_the_clip_names_the_range(make_video):
    with open_plate(make_video()) as plate:
        with pytest.raises(FrameRangeError, match=r"frame 1013 .*1001-1012"):
            plate.read(1013)
        with pytest.raises(FrameRangeError, match=r"1010-1020 .*1001-1012"):
            list(plate.iter_frames(FrameRange(1010, 1020)))


def test_garbage_file_says_it_cannot_be_decoded(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    with pytest.raises(MediaError, match=r"cannot decode .*junk\.mp4.*not a video.*re-export"):
        open_plate(junk)
    unknown = tmp_path / "notes.xyz"
    unknown.write_text("not media")
    with pytest.raises(MediaError, match=r"cannot decode .*notes\.xyz"):
        open_plate(unknown)


def test_missing_file_and_audio_only_file(tmp_path):
    with pytest.raises(MediaError, match=r"no such file"):
        open_plate(tmp_path / "absent.mov")
    wav = tmp_path / "tone.wav"
    with av.open(str(wav), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), np.int16), format="s16", layout="mono")
        frame.sample_rate = 8000
        for packet in [*stream.encode(frame), *stream.encode()]:
            container.mux(packet)
    with pytest.raises(MediaError, match=r"tone\.wav has no video stream \(it holds audio\)"):
        open_plate(wav)


def test_damaged_frame_is_named(make_video):
    path = make_video("clip.avi", codec="mjpeg", pix_fmt="yuvj420p")
    with av.open(str(path)) as container:
        packets = [(p.pos, p.size) for p in container.demux(video=0) if p.size]
    pos, size = packets[6]
    data = bytearray(path.read_bytes())
    data[pos + size // 4 : pos + size - 4] = bytes((b * 7 + 13) & 255 for b in data[pos + size // 4 : pos + size - 4])
    path.write_bytes(bytes(data))
    with open_plate(path) as plate:
        assert read_code(plate.read(1005)) == 4
        assert read_code(plate.read(1010)) == 9  # frames after the damage still read
        with pytest.raises(MediaError, match=r"cannot decode frame 1007 of .*clip\.avi.*damaged"):
            list(plate.iter_frames())
        with pytest.raises(MediaError, match=r"frame 1007"):
            plate.read(1007)


@pytest.mark.parametrize("name", ["clip.mp4", "clip.mov"])
def test_timecode_is_read(make_video, name):
    with open_plate(make_video(name, timecode="01:00:10:05")) as plate:
        assert plate.info.timecode == "01:00:10:05"


@pytest.mark.parametrize("degrees, k", [(90, 1), (-90, 3), (180, 2)])
def test_display_rotation_makes_frames_upright(make_video, degrees, k):
    # set_display_rotation takes counter-clockwise degrees, as np.rot90 does; a phone's
    # "rotate=90" (clockwise) is -90 here.
    with open_plate(make_video(rotation=degrees, frames=4)) as plate:
        assert plate.info.rotation == k * 90
        assert (plate.info.width, plate.info.height) == ((HEIGHT, WIDTH) if k % 2 else (WIDTH, HEIGHT))
        pixels = plate.read(1003)
    expected = np.rot90(coded_frame(2), k).astype(int)
    assert pixels.shape == expected.shape and pixels.flags.c_contiguous
    assert np.abs(pixels - expected).mean() < 8
    assert read_code(np.rot90(pixels, -k)) == 2


def test_ten_bit_video_decodes_to_uint16(tmp_path):
    path = tmp_path / "ten.mkv"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("ffv1", rate=24)
        stream.width, stream.height, stream.pix_fmt = 32, 16, "yuv444p10le"
        for value in (0, 20000, 40000):
            frame = av.VideoFrame.from_ndarray(np.full((16, 32, 3), value, np.uint16), format="rgb48le")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    with open_plate(path) as plate:
        assert (plate.info.bit_depth, plate.info.frame_range) == (10, FrameRange(1001, 1003))
        pixels = plate.read(1002)
    assert pixels.dtype == np.uint16
    assert np.abs(pixels.astype(int) - 20000).max() < 200  # 10-bit YUV quantisation


def test_real_plate_random_access_matches_sequential(test_data):
    path = test_data / "plates" / "multi_face_video_01.mp4"
    with open_plate(path) as plate:
        info = plate.info
        assert info.fps == Fraction(30000, 1001)
        assert info.frame_range == FrameRange(1001, 1090) and (info.width, info.height) == (640, 480)
        sequential = dict(plate.iter_frames())
        assert sorted(sequential) == list(range(1001, 1091))
        for frame in (1077, 1001, 1045, 1090, 1002, 1060):
            assert np.array_equal(plate.read(frame), sequential[frame]), f"frame {frame}"
    with av.open(str(path)) as container:  # plate frame 1001 is the stream's first picture
        first = next(container.decode(video=0)).to_ndarray(format="rgb24")
    assert np.array_equal(first, sequential[1001])


def test_real_mpeg_ps_counts_every_frame(test_data):
    # The GRID clips' MPEG-PS header has no frame count and a duration 0.5 frame short.
    with open_plate(test_data / "talking_heads" / "grid_bbaf2n.mpg") as plate:
        assert plate.info.fps == 25 and plate.info.frame_range == FrameRange(1001, 1075)
        sequential = dict(plate.iter_frames())
        assert len(sequential) == 75
        for frame in (1073, 1001, 1040, 1075):
            assert np.array_equal(plate.read(frame), sequential[frame]), f"frame {frame}"
