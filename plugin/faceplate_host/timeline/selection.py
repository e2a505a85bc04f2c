"""Choosing the clips the artist marked: by marker name or colour, track, clip names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import opentimelineio as otio

from faceplate_host.shots import DEFAULT_FIRST_FRAME
from faceplate_host.timeline.visibility import is_seen


@dataclass(frozen=True)
class ClipSelection:
    """Which clips of a timeline become shots, and with what frames: by marker name and/or colour, track,
    clip names (every test given must pass; none at all: every video clip); ``handles`` frames rendered
    either side; ``first_frame`` is the plate number of a movie's first frame."""

    marker: Optional[str] = None
    marker_colour: Optional[str] = None
    track: Optional[str] = None
    clips: Optional[Sequence[str]] = None
    handles: int = 0
    first_frame: int = DEFAULT_FIRST_FRAME

    def describe(self) -> str:
        """The tests, for a message: ``marker 'FACE', track 'V2'``."""
        parts = [
            f"marker {self.marker!r}" if self.marker is not None else "",
            f"marker colour {self.marker_colour}" if self.marker_colour else "",
            f"track {self.track!r}" if self.track is not None else "",
            f"clips {list(self.clips)}" if self.clips else "",
        ]
        return ", ".join(p for p in parts if p) or "(any video clip: the timeline has none)"


EVERY_CLIP = ClipSelection()  # no test: every video clip, no handles (frozen: one shared default)


def video_clips(timeline: otio.schema.Timeline) -> list:
    """Every enabled clip the viewer can see on an enabled video track, bottom track first, in record
    order: inside compound clips (nested stacks and tracks) too, but never on a nested audio track, and
    never a clip that lies wholly outside what its parents play."""
    found = []
    for track in timeline.video_tracks():
        found += _clips_in(track) if track.enabled else []
    return [clip for clip in found if is_seen(clip, timeline.tracks)]


def _clips_in(composition) -> list:
    clips = []
    for child in composition:
        if isinstance(child, otio.schema.Transition) or not child.enabled:
            continue
        if isinstance(child, otio.schema.Clip):
            clips.append(child)
        elif isinstance(child, otio.schema.Stack) or (
            isinstance(child, otio.schema.Track) and child.kind == otio.schema.TrackKind.Video
        ):
            clips += _clips_in(child)
    return clips


def choose_clips(timeline: otio.schema.Timeline, selection: ClipSelection = EVERY_CLIP) -> list:
    """The clips the artist marked: by marker name and/or colour (on the clip, or on its track or the
    timeline over the clip's range), by track name, by clip names; every given test must pass.
    With no test at all, every video clip."""
    chosen = video_clips(timeline)
    if selection.track is not None:
        chosen = [c for c in chosen if track_of(c) is not None and track_of(c).name == selection.track]
    if selection.clips:
        wanted = set(selection.clips)
        chosen = [c for c in chosen if c.name in wanted]
    if selection.marker is not None or selection.marker_colour is not None:
        chosen = [c for c in chosen if _is_marked(timeline, c, selection.marker, selection.marker_colour)]
    return chosen


def track_of(clip) -> Optional[otio.schema.Track]:
    """The timeline track the clip sits on (for a clip inside a compound clip, the compound's track)."""
    found, item = None, clip.parent()
    while item is not None:
        found = item if isinstance(item, otio.schema.Track) else found
        item = item.parent()
    return found


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
