"""Frame ranges as editors write them: inclusive, plate-numbered."""

from __future__ import annotations

import pytest

from faceplate.errors import FrameRangeError
from faceplate.media.frames import MAX_FRAME, FrameRange, parse_frame_spans, select_frames


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1001-1100", (1001, 1100)),
        ("1001:1100", (1001, 1100)),
        ("1001..1100", (1001, 1100)),
        (" 1001 - 1010 ", (1001, 1010)),
        ("1001", (1001, 1001)),
        ("-5--1", (-5, -1)),
        ("0-0", (0, 0)),
    ],
)
def test_parse(text, expected):
    assert FrameRange.parse(text) == FrameRange(*expected)


@pytest.mark.parametrize("text", ["", "abc", "1001-", "1001-1100-1200", "10.5-12", "1001 1100"])
def test_parse_rejects_malformed_text(text):
    with pytest.raises(FrameRangeError, match=r"cannot read frame range .*FIRST-LAST"):
        FrameRange.parse(text)


def test_range_must_not_end_before_it_starts():
    with pytest.raises(FrameRangeError, match=r"1100-1001 ends before it starts"):
        FrameRange.parse("1100-1001")


def test_inclusive_both_ends():
    frames = FrameRange(1001, 1004)
    assert len(frames) == 4 and list(frames) == [1001, 1002, 1003, 1004]
    assert 1001 in frames and 1004 in frames and 1005 not in frames and "1001" not in frames
    assert str(frames) == "1001-1004"


def test_require_within_names_both_ranges():
    FrameRange(1010, 1020).require_within(FrameRange(1001, 1100), "the plate")
    with pytest.raises(FrameRangeError, match=r"range 1090-1110 lies outside the plate, which holds frames 1001-1100"):
        FrameRange(1090, 1110).require_within(FrameRange(1001, 1100), "the plate")


def test_parse_frame_spans_merges_and_sorts():
    assert parse_frame_spans("1010, 1001-1003,1002,1004") == (FrameRange(1001, 1004), FrameRange(1010, 1010))
    assert parse_frame_spans("") == ()


def test_a_huge_list_stays_spans_and_is_refused_against_the_shot():
    assert parse_frame_spans(f"0-{MAX_FRAME}") == (FrameRange(0, MAX_FRAME),)
    with pytest.raises(FrameRangeError, match=r"frames 0-1000,1005-999999999 are outside the shot range 1001-1004"):
        select_frames(f"0-{MAX_FRAME}", FrameRange(1001, 1004))
    assert select_frames("1004,1001-1002", FrameRange(1001, 1004)) == [1001, 1002, 1004]


@pytest.mark.parametrize("text", ["0-99999999999", "1-" + "9" * 5000, "-1000000000"])
def test_a_frame_number_past_the_cap_is_refused_naming_it(text):
    with pytest.raises(FrameRangeError, match=rf"past the largest frame number Faceplate takes \({MAX_FRAME}\)"):
        FrameRange.parse(text)


def test_a_list_of_too_many_parts_is_refused_naming_the_cap():
    with pytest.raises(FrameRangeError, match=r"20000 parts; at most 10000"):
        parse_frame_spans(",".join(str(f) for f in range(20000)))
