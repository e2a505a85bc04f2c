"""Choosing the clips the artist marked: by marker name or colour, track, clip names."""

from __future__ import annotations

from typing import Optional, Sequence

import opentimelineio as otio


def video_clips(timeline: otio.schema.Timeline) -> list:
    """Every enabled clip on an enabled video track, bottom track first, in record order."""
    found = []
    for track in timeline.video_tracks():
        if not track.enabled:
            continue
        found += [clip for clip in track.find_clips() if clip.enabled]
    return found


def choose_clips(timeline: otio.schema.Timeline, marker: Optional[str] = None, marker_colour: Optional[str] = None,
                 track: Optional[str] = None, clips: Optional[Sequence[str]] = None) -> list:
    """The clips the artist marked: by marker name and/or colour (on the clip, or on its track or the
    timeline over the clip's range), by track name, by clip names; every given test must pass.
    With no test at all, every video clip."""
    chosen = video_clips(timeline)
    if track is not None:
        chosen = [c for c in chosen if track_of(c) is not None and track_of(c).name == track]
    if clips:
        wanted = set(clips)
        chosen = [c for c in chosen if c.name in wanted]
    if marker is not None or marker_colour is not None:
        chosen = [c for c in chosen if _is_marked(timeline, c, marker, marker_colour)]
    return chosen


def track_of(clip) -> Optional[otio.schema.Track]:
    parent = clip.parent()
    while parent is not None and not isinstance(parent, otio.schema.Track):
        parent = parent.parent()
    return parent


def _marker_matches(found, name: Optional[str], colour: Optional[str]) -> bool:
    if name is not None and (found.name or "").strip().lower() != name.strip().lower():
        return False
    return colour is None or (found.color or "").upper() == colour.strip().upper()


def _is_marked(timeline, clip, name: Optional[str], colour: Optional[str]) -> bool:
    """A marker on the clip, or a marker on any item above it (track, stack) whose range meets the clip's."""
    if any(_marker_matches(m, name, colour) for m in clip.markers):
        return True
    item = clip
    while item.parent() is not None:
        container = item.parent()
        span = clip.transformed_time_range(clip.trimmed_range(), container)
        for found in container.markers:
            if _marker_matches(found, name, colour) and _overlaps(found.marked_range, span):
                return True
        item = container
    return False


def _overlaps(marked: otio.opentime.TimeRange, span: otio.opentime.TimeRange) -> bool:
    start, end = marked.start_time.to_seconds(), marked.end_time_exclusive().to_seconds()
    if end <= start:  # a zero-length marker is a point: it marks the clip it sits in
        end = start + 1e-9
    return start < span.end_time_exclusive().to_seconds() and span.start_time.to_seconds() < end
