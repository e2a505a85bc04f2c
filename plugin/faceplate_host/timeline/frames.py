"""Frame maths on a timeline: its rate, its first record frame, whole frames from OTIO times."""

from __future__ import annotations

import math

import opentimelineio as otio

from faceplate_host.shots import ShotError

_EPSILON = 1e-6  # editors write 86400.1 or 86399.99999 for frame 86400: floor after this nudge


def timeline_rate(timeline: otio.schema.Timeline) -> float:
    """The rate record times are counted in: the global start time's, else the first clip's."""
    start = timeline.global_start_time
    if start is not None and start.rate > 0:
        return start.rate
    for clip in timeline.find_clips():
        rate = rate_of(clip.trimmed_range())
        if rate > 0:
            return rate
    return 24.0


def record_start(timeline: otio.schema.Timeline, rate: float) -> int:
    """The timeline's first record frame (86400 for 01:00:00:00 at 24 fps)."""
    start = timeline.global_start_time
    return count_frames(start, rate) if start is not None and start.rate > 0 else 0


def rate_of(time_range) -> float:
    return time_range.start_time.rate if time_range is not None else 0.0


def count_frames(time: otio.opentime.RationalTime, rate: float, nudge: float = _EPSILON) -> int:
    """Whole frames at ``rate``, without dividing by a zero rate (Kdenlive writes rate-0 ranges)."""
    if time.rate <= 0:
        return int(math.floor(time.value + nudge))
    if rate <= 0:
        raise ShotError("a frame rate of 0 cannot count frames; set the timeline's frame rate")
    return int(math.floor(time.value_rescaled_to(rate) + nudge))
