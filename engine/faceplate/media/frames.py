"""Plate frame numbers and ranges.

Users see the plate's own frame numbers (1001-1100), never 0-based indices. A range is
inclusive at both ends, as editors and ``--range 1001-1100`` write it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from faceplate.errors import FrameRangeError

_RANGE_RE = re.compile(r"^\s*(-?\d+)\s*(?:(?:-|:|\.\.)\s*(-?\d+))?\s*$")


@dataclass(frozen=True, order=True)
class FrameRange:
    """Inclusive range of plate frame numbers."""

    first: int
    last: int

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise FrameRangeError(f"frame range {self.first}-{self.last} ends before it starts; write FIRST-LAST, e.g. 1001-1100")

    @classmethod
    def parse(cls, text: str) -> "FrameRange":
        """Parse ``1001-1100``, ``1001:1100``, ``1001..1100`` or a single ``1001``."""
        match = _RANGE_RE.match(str(text))
        if not match:
            raise FrameRangeError(f"cannot read frame range {text!r}; write FIRST-LAST, e.g. 1001-1100")
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        return cls(first, last)

    def __len__(self) -> int:
        return self.last - self.first + 1

    def __iter__(self) -> Iterator[int]:
        return iter(range(self.first, self.last + 1))

    def __contains__(self, frame: object) -> bool:
        return isinstance(frame, int) and self.first <= frame <= self.last

    def __str__(self) -> str:
        return f"{self.first}-{self.last}"

    def require_within(self, outer: "FrameRange", what: str) -> None:
        """Raise a clear error when this range is not inside ``outer`` (the media's range)."""
        if self.first < outer.first or self.last > outer.last:
            raise FrameRangeError(
                f"range {self} lies outside {what}, which holds frames {outer}; "
                f"pick a range inside {outer} (or set the plate's first frame with --first-frame)"
            )


def parse_frame_list(text: str) -> list[int]:
    """Parse ``1001-1010,1020,1030-1032`` into sorted unique frame numbers."""
    frames: set[int] = set()
    for part in str(text).split(","):
        if part.strip():
            frames.update(FrameRange.parse(part))
    return sorted(frames)


def select_frames(frames: str | None, shot_range: "FrameRange") -> list[int]:
    """The frames a stage was asked for (a frame list, or None for the whole shot), all inside the shot."""
    selected = parse_frame_list(frames) if frames else list(shot_range)
    outside = [f for f in selected if f not in shot_range]
    if outside:
        raise FrameRangeError(f"frames {compact_frames(outside)} are outside the shot range {shot_range}; "
                              f"pick frames inside it")
    return selected


def check_frame_list(frames: str | None) -> None:
    """A settings field's frame subset: None (all) or a list naming at least one frame; ValueError says how
    to write one (settings classes turn it into a SettingsError naming the field)."""
    if frames is None:
        return
    try:
        listed = parse_frame_list(frames)
    except FrameRangeError as exc:
        raise ValueError(f"frames {frames!r}: {exc}") from None
    if not listed:
        raise ValueError(f"frames {frames!r} names no frame; e.g. 1001-1010,1050")


def compact_frames(frames: list[int]) -> str:
    """[1001, 1002, 1003, 1010] -> '1001-1003,1010' (how artists write frame lists)."""
    parts, frames = [], sorted(frames)
    start = prev = None
    for f in frames + [None]:
        if f is not None and prev is not None and f == prev + 1:
            prev = f
            continue
        if start is not None:
            parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = f
    return ",".join(parts)
