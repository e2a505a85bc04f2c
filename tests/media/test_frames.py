"""Frame ranges as editors write them: inclusive, plate-numbered."""

from __future__ import annotations

import pytest

from faceplate.errors import FrameRangeError
from faceplate.media.frames import FrameRange, parse_frame_list


@pytest.mark.parametrize("text, expected", [
    ("1001-1100", (1001, 1100)), ("1001:1100", (1001, 1100)), ("1001..1100", (1001, 1100)),
    (" 1001 - 1010 ", (1001, 1010)), ("1001", (1001, 1001)), ("-5--1", (-5, -1)), ("0-0", (0, 0)),
])
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


def test_parse_frame_list():
    assert parse_frame_list("1001-1003, 1010,1002") == [1001, 1002, 1003, 1010]
    assert parse_frame_list("") == []
