"""Plate frame numbers and ranges.

Users see the plate's own frame numbers (1001-1100), never 0-based indices. A range is
inclusive at both ends, as editors and ``--range 1001-1100`` write it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Iterator

from faceplate.errors import FrameRangeError
from faceplate_host.shots import FrameSpan

_RANGE_RE = re.compile(r"^\s*(-?\d+)\s*(?:(?:-|:|\.\.)\s*(-?\d+))?\s*$")
MAX_FRAME = 999_999_999  # nine digits: 11 days at 1000 fps; a longer number is a typo, not a plate frame
MAX_LIST_PARTS = 10_000  # parts of one comma-separated frame list


@dataclass(frozen=True, order=True)
class FrameRange(FrameSpan):
    """Inclusive range of plate frame numbers: the host's ``FrameSpan`` (one span type on both sides), with the
    engine's error, its ways of writing a range, the frame cap, and ``len``/``in``/iteration."""

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise FrameRangeError(
                f"frame range {self.first}-{self.last} ends before it starts; write FIRST-LAST, e.g. 1001-1100"
            )

    @classmethod
    def parse(cls, text: str) -> "FrameRange":
        """Parse ``1001-1100``, ``1001:1100``, ``1001..1100`` or a single ``1001``."""
        match = _RANGE_RE.match(str(text))
        if not match:
            raise FrameRangeError(f"cannot read frame range {_shorten(str(text))}; write FIRST-LAST, e.g. 1001-1100")
        first = _frame_number(match.group(1), text)
        last = _frame_number(match.group(2), text) if match.group(2) is not None else first
        return cls(first, last)

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[int]:
        return iter(self.frames())

    def __contains__(self, frame: object) -> bool:
        return isinstance(frame, int) and self.first <= frame <= self.last

    def require_within(self, outer: "FrameRange", what: str) -> None:
        """Raise a clear error when this range is not inside ``outer`` (the media's range)."""
        if self.first < outer.first or self.last > outer.last:
            raise FrameRangeError(
                f"range {self} lies outside {what}, which holds frames {outer}; "
                f"pick a range inside {outer} (or set the plate's first frame with --first-frame)"
            )


def _frame_number(digits: str, text: str) -> int:
    if len(digits.lstrip("-")) > len(str(MAX_FRAME)) or abs(int(digits)) > MAX_FRAME:
        shown = digits if len(digits) <= 20 else digits[:12] + "..."
        raise FrameRangeError(
            f"frame {shown} in {_shorten(text)} is past the largest frame number Faceplate takes "
            f"({MAX_FRAME}); write the plate's frame numbers, e.g. 1001-1100"
        )
    return int(digits)


def _shorten(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def parse_frame_spans(text: str) -> tuple[FrameRange, ...]:
    """``1001-1010,1020,1005-1012`` -> sorted, merged spans (``1001-1012``, ``1020``). A list stays spans
    until it is checked against the shot (``select_frames``): ``0-99999999999`` costs two numbers."""
    parts = [part for part in str(text).split(",") if part.strip()]
    if len(parts) > MAX_LIST_PARTS:
        raise FrameRangeError(f"frame list has {len(parts)} parts; at most {MAX_LIST_PARTS}: write runs as FIRST-LAST")
    return merge_spans(FrameRange.parse(part) for part in parts)


def merge_spans(spans: Iterable[FrameRange]) -> tuple[FrameRange, ...]:
    merged: list[FrameRange] = []
    for span in sorted(spans):
        if merged and span.first <= merged[-1].last + 1:
            merged[-1] = FrameRange(merged[-1].first, max(merged[-1].last, span.last))
        else:
            merged.append(span)
    return tuple(merged)


def spans_outside(spans: Iterable[FrameRange], outer: FrameRange) -> tuple[FrameRange, ...]:
    """The parts of ``spans`` that ``outer`` does not hold."""
    out = []
    for span in spans:
        if span.first < outer.first:
            out.append(FrameRange(span.first, min(span.last, outer.first - 1)))
        if span.last > outer.last:
            out.append(FrameRange(max(span.first, outer.last + 1), span.last))
    return tuple(out)


def in_spans(frame: int, spans: Iterable[FrameRange]) -> bool:
    return any(frame in span for span in spans)


def spans_text(spans: Iterable[FrameRange]) -> str:
    """How artists write a frame list: ``1001-1003,1010``."""
    return ",".join(str(s.first) if s.first == s.last else str(s) for s in spans)


def select_frames(frames: str | None, shot_range: "FrameRange") -> list[int]:
    """The frames a stage was asked for (a frame list, or None for the whole shot), all inside the shot:
    checked as spans first, so only frames of the shot are ever listed one by one."""
    spans = parse_frame_spans(frames) if frames else (shot_range,)
    outside = spans_outside(spans, shot_range)
    if outside:
        raise FrameRangeError(
            f"frames {spans_text(outside)} are outside the shot range {shot_range}; pick frames inside it"
        )
    return [frame for span in spans for frame in span]


def check_frame_list(frames: str | None) -> str | None:
    """A settings field's frame subset (a validator): None (all) or a list naming at least one frame, kept as
    text; ValueError says how to write one (settings classes turn it into a SettingsError naming the field)."""
    if frames is None:
        return frames
    try:
        listed = parse_frame_spans(frames)
    except FrameRangeError as exc:
        raise ValueError(str(exc)) from None
    if not listed:
        raise ValueError(f"{_shorten(frames)} names no frame; e.g. 1001-1010,1050")
    return frames


def compact_frames(frames: Iterable[int]) -> str:
    """[1001, 1002, 1003, 1010] -> '1001-1003,1010' (how artists write frame lists)."""
    return spans_text(merge_spans(FrameRange(f, f) for f in frames))
