"""A clip's media: its path or sequence pattern, and its frames in plate numbering."""

from __future__ import annotations

import os
import re
import urllib.parse
from typing import Optional

import opentimelineio as otio

from faceplate_host.shots import DEFAULT_FIRST_FRAME, FrameSpan, ShotError, is_sequence, is_still
from faceplate_host.timeline.frames import count_frames


def media_frames(clip, reference, source_path: str, first_frame: int) -> tuple[str, int, float]:
    """(media path or pattern, plate number of the clip's first frame, media rate)."""
    start = clip.trimmed_range().start_time
    available = reference.available_range
    usable = available if available is not None and available.start_time.rate > 0 else None
    media_rate = usable.start_time.rate if usable is not None else start.rate
    if isinstance(reference, otio.schema.ImageSequenceReference):
        pattern = sequence_pattern(reference, source_path)
        if usable is None:
            raise ShotError(
                f"clip {clip.name!r}: its image sequence has no available range (frame {reference.start_frame} "
                f"at which time?); export the cut again with media ranges"
            )
        rate = reference.rate if reference.rate > 0 else media_rate
        index = count_frames(start - usable.start_time, rate)
        return pattern, reference.start_frame + index * reference.frame_step, rate
    url = getattr(reference, "target_url", "") or ""
    path = media_path(url, source_path)
    if not path:
        raise ShotError(f"clip {clip.name!r}: its media reference has no file path; relink the clip and export again")
    if is_sequence(path):
        return path, count_frames(start, media_rate), media_rate
    origin = usable.start_time if usable is not None else otio.opentime.RationalTime(0, media_rate)
    return path, first_frame + count_frames(start - origin, media_rate), media_rate


def media_span(reference, first_frame: int = DEFAULT_FIRST_FRAME) -> Optional[FrameSpan]:
    """The frames the media holds, in plate numbering, when the timeline says (its available range)."""
    available = reference.available_range
    if available is None or available.start_time.rate <= 0 or available.duration.value < 1:
        return None
    rate = available.start_time.rate
    count = count_frames(available.duration, rate, nudge=0.5)
    if count < 1:
        return None
    if isinstance(reference, otio.schema.ImageSequenceReference):
        first = reference.start_frame
        return FrameSpan(first, first + (count - 1) * reference.frame_step)
    if is_sequence(getattr(reference, "target_url", "") or ""):
        first = count_frames(available.start_time, rate)
        return FrameSpan(first, first + count - 1)
    return FrameSpan(first_frame, first_frame + count - 1)


def sequence_pattern(reference, source_path: str = "") -> str:
    """``/plates/sh010.####.exr`` from an ImageSequenceReference (``#`` repeated to the zero padding)."""
    base = media_path(reference.target_url_base, source_path) if reference.target_url_base else ""
    if base and not base.endswith(("/", "\\")):
        base += "\\" if "\\" in base and "/" not in base else "/"
    padding = "#" * max(1, reference.frame_zero_padding)
    return f"{base}{reference.name_prefix}{padding}{reference.name_suffix}"


def media_path(url: str, source_path: str = "") -> str:
    """A local path from a media URL: ``file://`` URLs decoded, relative paths taken from the timeline's folder."""
    if url.startswith("file:"):
        parsed = urllib.parse.urlparse(url)
        path = urllib.parse.unquote(parsed.path)
        if re.match(r"^/[A-Za-z]:", path):  # file:///D:/media → D:/media
            path = path[1:]
        return path
    if url and source_path and not _is_absolute(url):
        return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(source_path)), url))
    return url


def _is_absolute(path: str) -> bool:
    return os.path.isabs(path) or bool(re.match(r"^[A-Za-z]:[\\/]", path)) or path.startswith("\\\\")


def resolution_of(reference) -> tuple[Optional[int], Optional[int]]:
    bounds = getattr(reference, "available_image_bounds", None)
    if bounds is not None:
        return int(round(bounds.max.x - bounds.min.x)) or None, int(round(bounds.max.y - bounds.min.y)) or None
    meta = reference.metadata
    for width_key, height_key in (
        ("width", "height"),
        ("openpype.source.width", "openpype.source.height"),
        ("foundry.source.width", "foundry.source.height"),
    ):
        try:
            return int(meta[width_key]), int(meta[height_key])
        except (KeyError, TypeError, ValueError):
            continue
    return None, None


def refuse_still(clip, reference, media: str, shown: int) -> None:
    """A still image (one picture file, or media one frame long held over the clip) has no motion for a
    per-shot model to learn or a frame-by-frame swap to follow."""
    available = reference.available_range
    one_frame = (
        available is not None
        and available.start_time.rate > 0
        and count_frames(available.duration, available.start_time.rate, nudge=0.5) == 1
    )
    if is_still(media) or (one_frame and shown > 1):
        raise ShotError(
            f"clip {clip.name!r}: its media {media} is a still image held for {shown} frames, not "
            f"moving footage; swap the face in the still itself and cut that in, or give the still "
            f"as an identity source (--source)"
        )
