"""One chosen clip to one ``Shot``: media, source frames (plate numbering), record frames, rates."""

from __future__ import annotations

from fractions import Fraction

import opentimelineio as otio

from faceplate_host.shots import DEFAULT_FIRST_FRAME, FrameSpan, Shot, ShotError, exact_rate, is_sequence, rate_text
from faceplate_host.timeline.frames import rate_of, timeline_rate
from faceplate_host.timeline.media import media_frames, media_span, refuse_still, resolution_of
from faceplate_host.timeline.reading import TimelineError
from faceplate_host.timeline.selection import EVERY_CLIP, ClipSelection, choose_clips, track_of
from faceplate_host.timeline.visibility import frames_of_range, require_shown


def shots_from_timeline(
    timeline: otio.schema.Timeline, selection: ClipSelection = EVERY_CLIP, source_path: str = ""
) -> list[Shot]:
    """One Shot per chosen clip (see ``choose_clips``), in timeline order; a chosen clip that cannot be
    swapped raises ShotError naming it. ``source_path`` is the file the timeline came from: relative
    media paths are resolved against its folder, and shots remember it."""
    shots, refused = shots_and_refusals(timeline, selection, source_path)
    if refused:
        raise refused[0]
    return shots


def shots_and_refusals(
    timeline: otio.schema.Timeline, selection: ClipSelection = EVERY_CLIP, source_path: str = ""
) -> tuple[list[Shot], list[ShotError]]:
    """Like ``shots_from_timeline``, but every chosen clip is tried: (shots, one ShotError per refused clip),
    so a listing can show all of them. No chosen clip at all is still an error."""
    chosen = choose_clips(timeline, selection)
    if not chosen:
        raise TimelineError(
            f"{source_path or timeline.name}: no clip matches {selection.describe()}; "
            f"mark the clips (e.g. a marker named FACE) or name them"
        )
    shots, refused = [], []
    for clip in chosen:
        try:
            shots.append(
                shot_from_clip(
                    clip,
                    timeline,
                    handles=selection.handles,
                    source_path=source_path,
                    first_frame=selection.first_frame,
                )
            )
        except ShotError as exc:
            refused.append(exc)
    return sorted(shots, key=lambda s: (s.record.first, s.track)), refused


def shot_from_clip(
    clip,
    timeline: otio.schema.Timeline,
    handles: int = 0,
    source_path: str = "",
    first_frame: int = DEFAULT_FIRST_FRAME,
) -> Shot:
    """The Shot of one clip: its media, source frames (plate numbering), record frames, rates."""
    label = f"clip {clip.name!r}"
    refuse_retime(clip)
    reference = clip.media_reference
    if reference is None or isinstance(reference, (otio.schema.MissingReference, otio.schema.GeneratorReference)):
        kind = type(reference).__name__ if reference is not None else "no media reference"
        raise ShotError(
            f"{label}: has no media file ({kind}); relink the clip to its media in the editor and export again"
        )
    try:
        clip.trimmed_range()
    except otio.exceptions.CannotComputeAvailableRangeError:
        raise ShotError(
            f"{label}: has no frame range (no source range, and its media no available range); set the "
            f"clip's in and out points in the editor and export again"
        ) from None
    if rate_of(clip.trimmed_range()) <= 0:
        raise ShotError(
            f"{label}: its source range has frame rate 0; set the clip's frame rate in the editor and export again"
        )
    record_rate = timeline_rate(timeline)
    shown = require_shown(clip, timeline, record_rate)
    record = frames_of_range(shown.cut, clip.name, timeline, record_rate)
    media, source_first, media_rate = media_frames(clip, reference, source_path, first_frame)
    refuse_still(clip, reference, media, record.count)
    source = FrameSpan(source_first + shown.skipped, source_first + shown.skipped + record.count - 1)
    _refuse_rate_mismatch(label, clip, media_rate, record_rate, record)
    track = track_of(clip)
    metadata = {
        "timeline_rate": rate_text(exact_rate(record_rate)),
        "media_rate": rate_text(exact_rate(media_rate)),
        "clip_index": _clip_index(clip, timeline),
        "timeline_name": timeline.name or "",
    }
    available = media_span(reference, first_frame)
    if available is not None:
        metadata["media_frames"] = str(available)
    width, height = resolution_of(reference)
    return Shot(
        name=clip.name or f"clip_{record.first}",
        media=media,
        source=source,
        record=record,
        rate=exact_rate(media_rate),
        handles=handles,
        first_frame=None if is_sequence(media) else first_frame,
        resolution=(width, height) if width and height else None,
        track=track.name if track is not None else "",
        timeline=str(source_path),
        clip_id=metadata["clip_index"],
        dissolve_in=shown.dissolve_in,
        dissolve_out=shown.dissolve_out,
        metadata=metadata,
    )


def refuse_retime(clip) -> None:
    """A speed change or a reverse maps record frames to other source frames than one for one."""
    for effect in clip.effects:
        if isinstance(effect, otio.schema.FreezeFrame) or getattr(effect, "time_scalar", None) == 0:
            raise ShotError(
                f"clip {clip.name!r}: is a freeze frame; a retimed clip cannot be swapped frame for frame: "
                f"flatten it (render the hold) and cut that in"
            )
        if isinstance(effect, otio.schema.LinearTimeWarp):
            scalar = effect.time_scalar
            if scalar == 1:
                continue
            if scalar < 0:
                raise ShotError(
                    f"clip {clip.name!r}: plays in reverse ({scalar:g}x); a reversed clip cannot be swapped "
                    f"frame for frame: render it forwards (flatten the reverse) and cut that in"
                )
            raise ShotError(
                f"clip {clip.name!r}: has a speed change ({scalar:g}x); a retimed clip cannot be swapped "
                f"frame for frame: flatten the speed change (render the retime) and cut that in"
            )
        if isinstance(effect, otio.schema.TimeEffect):
            raise ShotError(
                f"clip {clip.name!r}: has a time effect ({effect.effect_name or type(effect).__name__}); "
                f"a retimed clip cannot be swapped frame for frame: flatten it and cut that in"
            )


def _refuse_rate_mismatch(label: str, clip, media_rate: float, record_rate: float, record: FrameSpan) -> None:
    """OTIO plays media at its own rate: on a timeline of another rate the clip shows a different number
    of media frames than record frames (a retime in all but name). Near-equal rates (23.976 written as
    24) play frame for frame in every editor and pass; the validator reports the difference."""
    if abs(media_rate - record_rate) < 0.01 * record_rate or media_rate <= 0:
        return
    raise ShotError(
        f"{label}: media at {media_rate:g} fps on a {record_rate:g} fps timeline plays "
        f"{record.count * media_rate / record_rate:.1f} media frames over {record.count} record frames; "
        f"conform the media to {record_rate:g} fps (or set the clip to play frame for frame) first"
    )


def _clip_index(clip, timeline) -> str:
    """``track/clip`` indices from the timeline's stack down (``0/3/0/1`` for a clip inside a compound clip):
    finds the clip again in this timeline."""
    indices, item = [], clip
    while item is not timeline.tracks and item.parent() is not None:
        indices.append(next(i for i, child in enumerate(item.parent()) if child is item))
        item = item.parent()
    return "/".join(str(i) for i in reversed(indices)) if item is timeline.tracks else ""


def describe(shot: Shot) -> str:
    """One line per shot for people: clip, media, source and record ranges, fps, dissolves (frames before+after
    the cut)."""
    fps = shot.metadata.get("timeline_rate") or rate_text(shot.rate)
    dissolves = "".join(
        f"  dissolve {end} {before}+{after}"
        for end, (before, after) in (("in", shot.dissolve_in), ("out", shot.dissolve_out))
        if before or after
    )
    return (
        f"{shot.name}  track {shot.track or '-'}  media {shot.media}  source {shot.source}  "
        f"record {shot.record}  fps {float(Fraction(fps)):.3f} ({fps}){dissolves}"
    )
