"""What the viewer shows of a clip: its part through every nesting level, and the dissolves at its cuts.

A clip inside a compound clip (a nested Stack or Track, as FCPX, Premiere and Resolve export them)
shows only the part its parent's source range keeps, and a parent shows only what its own parent
keeps, up to the timeline's stack. ``carry_up`` takes a range in the clip's own time up that chain,
cutting it at every level; a clip whose part comes out empty is never seen.

A dissolve (OTIO ``Transition``) beside a clip in its track shows ``in_offset`` frames of the
incoming clip's head before the cut and ``out_offset`` frames of the outgoing clip's tail after
it (OTIO's ``Item.visible_range``): those handle frames are on screen, so they are part of the shot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import opentimelineio as otio

from faceplate_host.shots import FrameSpan, ShotError
from faceplate_host.timeline.frames import count_frames, rate_of, record_start, timeline_rate

TimeRange = otio.opentime.TimeRange


@dataclass(frozen=True)
class Shown:
    """The shown part of a clip in the top stack's time, and the dissolve at each of its cuts as
    (frames before the cut, frames after it), (0, 0) where the clip is cut straight."""

    cut: TimeRange
    skipped: int = 0  # frames of the clip's head its parents hide
    dissolve_in: tuple[int, int] = (0, 0)
    dissolve_out: tuple[int, int] = (0, 0)


def carry_up(item, span: TimeRange, top) -> Optional[TimeRange]:
    """``span`` (in ``item``'s own time) in ``top``'s time, cut to what each parent on the way shows;
    None when nothing of it shows (or ``item`` is not inside ``top``)."""
    return _carry(item, span, top)[0]


def _carry(item, span: TimeRange, top) -> tuple:
    """(``carry_up``'s answer, the offset from ``item``'s time to ``top``'s)."""
    offset = otio.opentime.RationalTime(0, span.start_time.rate)
    while item is not top:
        parent = item.parent()
        if parent is None:
            return None, offset
        step = parent.range_of_child(item).start_time - item.trimmed_range().start_time
        span, offset = TimeRange(span.start_time + step, span.duration), offset + step
        shown = _trimmed_range(parent)
        span = common_range(span, shown) if shown is not None else span
        if span is None:
            return None, offset
        item = parent
    return span, offset


def _trimmed_range(composition) -> Optional[TimeRange]:
    """What a composition shows of its children; None where OTIO cannot tell (a child without a range)."""
    try:
        return composition.trimmed_range()
    except otio.exceptions.CannotComputeAvailableRangeError:
        return None


def common_range(one: TimeRange, other: TimeRange) -> Optional[TimeRange]:
    """The time both ranges cover, None when they do not meet."""
    start = max(one.start_time, other.start_time)
    end = min(one.end_time_exclusive(), other.end_time_exclusive())
    if end.to_seconds() <= start.to_seconds():
        return None
    return TimeRange.range_from_start_end_time(start, end)


def shown_part(clip, top, rate: float) -> Optional[Shown]:
    """What the viewer shows of ``clip`` under ``top`` (the timeline's stack); None when never seen."""
    own = clip.trimmed_range()
    cut, offset = _carry(clip, own, top)
    if cut is None:
        return None
    skipped = max(0, count_frames(cut.start_time - offset - own.start_time, rate, nudge=0.5))
    visible = carry_up(clip, clip.visible_range(), top) or cut
    before = max(0, count_frames(cut.start_time - visible.start_time, rate, nudge=0.5))
    after = max(0, count_frames(visible.end_time_exclusive() - cut.end_time_exclusive(), rate, nudge=0.5))
    length = count_frames(cut.duration, rate, nudge=0.5)
    head, tail = _transitions_beside(clip)
    dissolve_in = (before, min(_frames_of(head, "out_offset", rate), length)) if head is not None else (0, 0)
    dissolve_out = (min(_frames_of(tail, "in_offset", rate), length), after) if tail is not None else (0, 0)
    return Shown(cut, skipped, dissolve_in, dissolve_out)


def _transitions_beside(clip) -> tuple:
    """The transitions right before and after ``clip`` in its track (None where it is cut straight)."""
    track = clip.parent()
    if not isinstance(track, otio.schema.Track):
        return None, None
    before, after = track.neighbors_of(clip)
    return (
        before if isinstance(before, otio.schema.Transition) else None,
        after if isinstance(after, otio.schema.Transition) else None,
    )


def _frames_of(transition, offset: str, rate: float) -> int:
    return max(0, count_frames(getattr(transition, offset), rate, nudge=0.5))


def is_seen(clip, top) -> bool:
    """False only for a clip proven hidden; a clip OTIO cannot measure is kept so the reader can say why."""
    try:
        if rate_of(clip.trimmed_range()) <= 0:
            return True
        return carry_up(clip, clip.trimmed_range(), top) is not None
    except otio.exceptions.CannotComputeAvailableRangeError:
        return True


def record_span(clip, timeline: otio.schema.Timeline, rate: Optional[float] = None) -> FrameSpan:
    """The clip's record frames: the part the viewer shows (``carry_up`` to the timeline's stack), plus the
    timeline's start frame."""
    rate = rate or timeline_rate(timeline)
    return frames_of_range(require_shown(clip, timeline, rate).cut, clip.name, timeline, rate)


def require_shown(clip, timeline: otio.schema.Timeline, rate: float) -> Shown:
    shown = shown_part(clip, timeline.tracks, rate)
    if shown is None:
        raise ShotError(
            f"clip {clip.name!r}: is never seen (it lies outside the part of its compound clip or of "
            f"the timeline that plays); nothing to swap"
        )
    return shown


def frames_of_range(span: TimeRange, name: str, timeline: otio.schema.Timeline, rate: float) -> FrameSpan:
    """Record frames of a range in the timeline stack's time."""
    first = record_start(timeline, rate) + count_frames(span.start_time, rate)
    count = count_frames(span.duration, rate, nudge=0.5)  # a duration counts frames: round it
    if count < 1:
        raise ShotError(
            f"clip {name!r}: lasts {span.duration.to_seconds():.3f} s, less than one frame; nothing to swap"
        )
    return FrameSpan(first, first + count - 1)
