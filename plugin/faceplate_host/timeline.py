"""OpenTimelineIO timelines to ``Shot`` descriptions: read a cut, choose its clips, work out their frames.

    timeline = read_timeline("cut.otio")                        # .otio, or anything OTIO's adapters read
    shots = shots_from_timeline(timeline, marker="FACE")        # one Shot per clip carrying a FACE marker

Frame maths goes through OTIO itself (``transformed_time_range`` from the clip up to the timeline's
stack), so nested stacks, transitions, timeline start times such as 86400 (01:00:00:00 at 24 fps)
and source offsets count the way the editor counts them. Record frames are the timeline's own
numbering (global start time included). Source frames are plate numbering:

- an ``ImageSequenceReference``: the sequence's own frame numbers (``start_frame`` onwards);
- a movie (``ExternalReference``): ``first_frame`` + the frame's index counted from the start of the
  media's ``available_range`` (index 0 = the file's first frame). ``first_frame`` defaults to 1001,
  the engine's numbering of a movie (``faceplate init --first-frame``), so the layer files come back
  as ``faceplate.1001.exr`` onwards whatever timecode the movie carries;
- an ``ExternalReference`` whose URL is a sequence pattern (``plate.%04d.exr``): the media time's
  frame number.

Retimed clips (``LinearTimeWarp`` other than 1x, ``FreezeFrame``, any other ``TimeEffect``) and
reversed clips cannot be swapped frame for frame and are refused with a message naming the clip.
"""

from __future__ import annotations

import math
import os
import re
import urllib.parse
from fractions import Fraction
from pathlib import Path
from typing import Optional, Sequence

import opentimelineio as otio

from faceplate_host.shots import FrameSpan, LayerPlacement, Shot, ShotError, exact_rate, is_sequence, rate_text

DEFAULT_FIRST_FRAME = 1001  # the engine's plate number of a movie's first frame
_SCHEMA = re.compile(r'"OTIO_SCHEMA"\s*:\s*"([A-Za-z_][\w]*)\.(\d+)"')
_EPSILON = 1e-6  # editors write 86400.1 or 86399.99999 for frame 86400: floor after this nudge


class TimelineError(ShotError):
    """A timeline file that cannot be read or used; the message names the file (and the clip)."""


# --- reading -------------------------------------------------------------------------------
def read_timeline(path, name: Optional[str] = None) -> otio.schema.Timeline:
    """The timeline in ``path`` (``.otio`` or any format an installed OTIO adapter reads).

    A file whose root is a Clip, Track or Stack is wrapped in a Timeline so every caller sees one
    shape; a SerializableCollection gives its only Timeline (or the one called ``name``)."""
    path = Path(path)
    if not path.is_file():
        raise TimelineError(f"{path}: no such timeline file; give the path of a .otio (or other OTIO-readable) file")
    try:
        root = otio.adapters.read_from_file(str(path))
    except otio.exceptions.UnsupportedSchemaError as exc:
        raise TimelineError(f"{path}: {_unsupported_schema(path, exc)}") from None
    except otio.exceptions.NoKnownAdapterForExtensionError:
        raise TimelineError(f"{path}: OpenTimelineIO has no adapter for '{path.suffix}' files; export the cut as "
                            f".otio (or install the OTIO adapter plug-in for this format)") from None
    except (otio.exceptions.OTIOError, ValueError, OSError, TypeError, KeyError) as exc:
        raise TimelineError(f"{path}: not a timeline OpenTimelineIO can read ({_one_line(exc)}); "
                            f"export it again from the editor") from None
    return as_timeline(root, path, name)


def as_timeline(root, path="timeline", name: Optional[str] = None) -> otio.schema.Timeline:
    """Any OTIO root as a Timeline: Clip → one track holding it, Track → one-track stack, Stack → its timeline."""
    if isinstance(root, otio.schema.Timeline):
        return root
    if isinstance(root, otio.schema.SerializableCollection):
        return _timeline_in_collection(root, path, name)
    if isinstance(root, (otio.schema.Stack, otio.schema.Track, otio.schema.Clip)):
        timeline = otio.schema.Timeline(name=root.name or Path(str(path)).stem)
        if isinstance(root, otio.schema.Stack):
            timeline.tracks = root
        elif isinstance(root, otio.schema.Track):
            timeline.tracks.append(root)
        else:
            track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
            track.append(root)
            timeline.tracks.append(track)
        return timeline
    raise TimelineError(f"{path}: holds a {type(root).__name__}, not a timeline, track or clip; export the cut again")


def _timeline_in_collection(collection, path, name: Optional[str]) -> otio.schema.Timeline:
    timelines = [t for t in collection.find_children(descended_from_type=otio.schema.Timeline)]
    if name is not None:
        timelines = [t for t in timelines if t.name == name]
    if len(timelines) == 1:
        return timelines[0].deepcopy()  # parentless: it outlives the collection it was read in
    if not timelines:
        loose = [c for c in collection if isinstance(c, (otio.schema.Stack, otio.schema.Track, otio.schema.Clip))]
        if len(loose) == 1 and name is None:
            return as_timeline(loose[0].deepcopy(), path)
        wanted = f" called {name!r}" if name is not None else ""
        raise TimelineError(f"{path}: the collection holds no timeline{wanted}; export one timeline")
    names = ", ".join(repr(t.name) for t in timelines)
    raise TimelineError(f"{path}: the collection holds {len(timelines)} timelines ({names}); choose one by name")


def _unsupported_schema(path: Path, exc: Exception) -> str:
    """Which schema in the file is newer than this OpenTimelineIO reads (OTIO only says 'near line N')."""
    known = otio.core.type_version_map()
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    newer = sorted({f"{kind}.{version}" for kind, version in _SCHEMA.findall(text)
                    if kind in known and int(version) > known[kind]})
    found = ", ".join(newer) if newer else _one_line(exc)
    readable = ", ".join(f"{s.split('.')[0]}.{known[s.split('.')[0]]}" for s in newer)
    return (f"written with a newer OpenTimelineIO schema ({found}) than the installed OpenTimelineIO "
            f"{otio.__version__} reads{f' ({readable})' if readable else ''} (UnsupportedSchemaError); "
            f"upgrade opentimelineio or export the cut again from an older-schema writer")


def _one_line(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text[:200] if text else type(exc).__name__


# --- choosing clips ------------------------------------------------------------------------
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
        chosen = [c for c in chosen if _track_of(c) is not None and _track_of(c).name == track]
    if clips:
        wanted = set(clips)
        chosen = [c for c in chosen if c.name in wanted]
    if marker is not None or marker_colour is not None:
        chosen = [c for c in chosen if _is_marked(timeline, c, marker, marker_colour)]
    return chosen


def _track_of(clip) -> Optional[otio.schema.Track]:
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


# --- one clip to one shot ------------------------------------------------------------------
def shots_from_timeline(timeline: otio.schema.Timeline, marker: Optional[str] = None,
                        marker_colour: Optional[str] = None, track: Optional[str] = None,
                        clips: Optional[Sequence[str]] = None, handles: int = 0, source_path: str = "",
                        first_frame: int = DEFAULT_FIRST_FRAME) -> list[Shot]:
    """One Shot per chosen clip (see ``choose_clips``), in timeline order; a chosen clip that cannot be
    swapped raises ShotError naming it. ``source_path`` is the file the timeline came from: relative
    media paths are resolved against its folder, and shots remember it."""
    shots, refused = shots_and_refusals(timeline, marker, marker_colour, track, clips, handles, source_path, first_frame)
    if refused:
        raise refused[0]
    return shots


def shots_and_refusals(timeline: otio.schema.Timeline, marker: Optional[str] = None,
                       marker_colour: Optional[str] = None, track: Optional[str] = None,
                       clips: Optional[Sequence[str]] = None, handles: int = 0, source_path: str = "",
                       first_frame: int = DEFAULT_FIRST_FRAME) -> tuple[list[Shot], list[ShotError]]:
    """Like ``shots_from_timeline``, but every chosen clip is tried: (shots, one ShotError per refused clip),
    so a listing can show all of them. No chosen clip at all is still an error."""
    chosen = choose_clips(timeline, marker, marker_colour, track, clips)
    if not chosen:
        raise TimelineError(f"{source_path or timeline.name}: no clip matches {_selection_text(marker, marker_colour, track, clips)}; "
                            f"mark the clips (e.g. a marker named FACE) or name them")
    shots, refused = [], []
    for clip in chosen:
        try:
            shots.append(shot_from_clip(clip, timeline, handles=handles, source_path=source_path, first_frame=first_frame))
        except ShotError as exc:
            refused.append(exc)
    return sorted(shots, key=lambda s: (s.record.first, s.track)), refused


def _selection_text(marker, marker_colour, track, clips) -> str:
    parts = [f"marker {marker!r}" if marker is not None else "", f"marker colour {marker_colour}" if marker_colour else "",
             f"track {track!r}" if track is not None else "", f"clips {list(clips)}" if clips else ""]
    return ", ".join(p for p in parts if p) or "(any video clip: the timeline has none)"


def shot_from_clip(clip, timeline: otio.schema.Timeline, handles: int = 0, source_path: str = "",
                   first_frame: int = DEFAULT_FIRST_FRAME) -> Shot:
    """The Shot of one clip: its media, source frames (plate numbering), record frames, rates."""
    label = f"clip {clip.name!r}"
    refuse_retime(clip)
    reference = clip.media_reference
    if reference is None or isinstance(reference, (otio.schema.MissingReference, otio.schema.GeneratorReference)):
        kind = type(reference).__name__ if reference is not None else "no media reference"
        raise ShotError(f"{label}: has no media file ({kind}); relink the clip to its media in the editor and export again")
    try:
        clip.trimmed_range()
    except otio.exceptions.CannotComputeAvailableRangeError:
        raise ShotError(f"{label}: has no frame range (no source range, and its media no available range); set the "
                        f"clip's in and out points in the editor and export again") from None
    if _rate_of(clip.trimmed_range()) <= 0:
        raise ShotError(f"{label}: its source range has frame rate 0; set the clip's frame rate in the editor and export again")
    record_rate = timeline_rate(timeline)
    record = record_span(clip, timeline, record_rate)
    media, source_first, media_rate = _media_frames(clip, reference, source_path, first_frame)
    source = FrameSpan(source_first, source_first + record.count - 1)
    _refuse_rate_mismatch(label, clip, media_rate, record_rate, record)
    track = _track_of(clip)
    metadata = {"timeline_rate": rate_text(exact_rate(record_rate)), "media_rate": rate_text(exact_rate(media_rate)),
                "clip_index": _clip_index(clip, timeline)}
    available = media_span(reference, first_frame)
    if available is not None:
        metadata["media_frames"] = str(available)
    width, height = _resolution(reference)
    return Shot(name=clip.name or f"clip_{record.first}", media=media, source=source, record=record,
                rate=exact_rate(media_rate), handles=handles,
                first_frame=None if is_sequence(media) else first_frame,
                resolution=(width, height) if width and height else None,
                track=track.name if track is not None else "", timeline=str(source_path),
                clip_id=metadata["clip_index"], metadata=metadata)


def refuse_retime(clip) -> None:
    """A speed change or a reverse maps record frames to other source frames than one for one."""
    for effect in clip.effects:
        if isinstance(effect, otio.schema.FreezeFrame):
            raise ShotError(f"clip {clip.name!r}: is a freeze frame; a retimed clip cannot be swapped frame for frame: "
                            f"flatten it (render the hold) and cut that in")
        if isinstance(effect, otio.schema.LinearTimeWarp):
            scalar = effect.time_scalar
            if scalar == 1:
                continue
            if scalar < 0:
                raise ShotError(f"clip {clip.name!r}: plays in reverse ({scalar:g}x); a reversed clip cannot be swapped "
                                f"frame for frame: render it forwards (flatten the reverse) and cut that in")
            raise ShotError(f"clip {clip.name!r}: has a speed change ({scalar:g}x); a retimed clip cannot be swapped "
                            f"frame for frame: flatten the speed change (render the retime) and cut that in")
        if isinstance(effect, otio.schema.TimeEffect):
            raise ShotError(f"clip {clip.name!r}: has a time effect ({effect.effect_name or type(effect).__name__}); "
                            f"a retimed clip cannot be swapped frame for frame: flatten it and cut that in")


def timeline_rate(timeline: otio.schema.Timeline) -> float:
    """The rate record times are counted in: the global start time's, else the first clip's."""
    start = timeline.global_start_time
    if start is not None and start.rate > 0:
        return start.rate
    for clip in timeline.find_clips():
        rate = _rate_of(clip.trimmed_range())
        if rate > 0:
            return rate
    return 24.0


def record_start(timeline: otio.schema.Timeline, rate: float) -> int:
    """The timeline's first record frame (86400 for 01:00:00:00 at 24 fps)."""
    start = timeline.global_start_time
    return _frames(start, rate) if start is not None and start.rate > 0 else 0


def record_span(clip, timeline: otio.schema.Timeline, rate: Optional[float] = None) -> FrameSpan:
    """The clip's record frames: its trimmed range carried up to the timeline's stack by OTIO, plus the
    timeline's start frame."""
    rate = rate or timeline_rate(timeline)
    span = clip.transformed_time_range(clip.trimmed_range(), timeline.tracks)
    first = record_start(timeline, rate) + _frames(span.start_time, rate)
    count = _frames(span.duration, rate, nudge=0.5)  # a duration counts frames: round it
    if count < 1:
        raise ShotError(f"clip {clip.name!r}: lasts {span.duration.to_seconds():.3f} s, less than one frame; "
                        f"nothing to swap")
    return FrameSpan(first, first + count - 1)


def _media_frames(clip, reference, source_path: str, first_frame: int) -> tuple[str, int, float]:
    """(media path or pattern, plate number of the clip's first frame, media rate)."""
    start = clip.trimmed_range().start_time
    available = reference.available_range
    usable = available if available is not None and available.start_time.rate > 0 else None
    media_rate = usable.start_time.rate if usable is not None else start.rate
    if isinstance(reference, otio.schema.ImageSequenceReference):
        pattern = sequence_pattern(reference, source_path)
        if usable is None:
            raise ShotError(f"clip {clip.name!r}: its image sequence has no available range (frame {reference.start_frame} "
                            f"at which time?); export the cut again with media ranges")
        rate = reference.rate if reference.rate > 0 else media_rate
        index = _frames(start - usable.start_time, rate)
        return pattern, reference.start_frame + index * reference.frame_step, rate
    url = getattr(reference, "target_url", "") or ""
    path = media_path(url, source_path)
    if not path:
        raise ShotError(f"clip {clip.name!r}: its media reference has no file path; relink the clip and export again")
    if is_sequence(path):
        return path, _frames(start, media_rate), media_rate
    origin = usable.start_time if usable is not None else otio.opentime.RationalTime(0, media_rate)
    return path, first_frame + _frames(start - origin, media_rate), media_rate


def media_span(reference, first_frame: int = DEFAULT_FIRST_FRAME) -> Optional[FrameSpan]:
    """The frames the media holds, in plate numbering, when the timeline says (its available range)."""
    available = reference.available_range
    if available is None or available.start_time.rate <= 0 or available.duration.value < 1:
        return None
    rate = available.start_time.rate
    count = _frames(available.duration, rate, nudge=0.5)
    if count < 1:
        return None
    if isinstance(reference, otio.schema.ImageSequenceReference):
        first = reference.start_frame
        return FrameSpan(first, first + (count - 1) * reference.frame_step)
    if is_sequence(getattr(reference, "target_url", "") or ""):
        first = _frames(available.start_time, rate)
        return FrameSpan(first, first + count - 1)
    return FrameSpan(first_frame, first_frame + count - 1)


def _refuse_rate_mismatch(label: str, clip, media_rate: float, record_rate: float, record: FrameSpan) -> None:
    """OTIO plays media at its own rate: on a timeline of another rate the clip shows a different number
    of media frames than record frames (a retime in all but name). Near-equal rates (23.976 written as
    24) play frame for frame in every editor and pass; the validator reports the difference."""
    if abs(media_rate - record_rate) < 0.01 * record_rate or media_rate <= 0:
        return
    raise ShotError(f"{label}: media at {media_rate:g} fps on a {record_rate:g} fps timeline plays "
                    f"{record.count * media_rate / record_rate:.1f} media frames over {record.count} record frames; "
                    f"conform the media to {record_rate:g} fps (or set the clip to play frame for frame) first")


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


def _resolution(reference) -> tuple[Optional[int], Optional[int]]:
    bounds = getattr(reference, "available_image_bounds", None)
    if bounds is not None:
        return int(round(bounds.max.x - bounds.min.x)) or None, int(round(bounds.max.y - bounds.min.y)) or None
    meta = reference.metadata
    for width_key, height_key in (("width", "height"), ("openpype.source.width", "openpype.source.height"),
                                  ("foundry.source.width", "foundry.source.height")):
        try:
            return int(meta[width_key]), int(meta[height_key])
        except (KeyError, TypeError, ValueError):
            continue
    return None, None


def _clip_index(clip, timeline) -> str:
    """``track/clip`` indices among the stack's tracks and the track's items: finds the clip again in this timeline."""
    track = _track_of(clip)
    if track is None:
        return ""
    tracks = list(timeline.tracks)
    track_index = next((i for i, t in enumerate(tracks) if t is track), -1)
    item = clip
    while item.parent() is not track:
        item = item.parent()
    return f"{track_index}/{track.index(item)}"


# --- frame maths ---------------------------------------------------------------------------
def _rate_of(time_range) -> float:
    return time_range.start_time.rate if time_range is not None else 0.0


def _frames(time: otio.opentime.RationalTime, rate: float, nudge: float = _EPSILON) -> int:
    """Whole frames at ``rate``, without dividing by a zero rate (Kdenlive writes rate-0 ranges)."""
    if time.rate <= 0:
        return int(math.floor(time.value + nudge))
    if rate <= 0:
        raise ShotError("a frame rate of 0 cannot count frames; set the timeline's frame rate")
    return int(math.floor(time.value_rescaled_to(rate) + nudge))


def describe(shot: Shot) -> str:
    """One line per shot for people: clip, media, source and record ranges, fps."""
    fps = shot.metadata.get("timeline_rate") or rate_text(shot.rate)
    return (f"{shot.name}  track {shot.track or '-'}  media {shot.media}  source {shot.source}  "
            f"record {shot.record}  fps {float(Fraction(fps)):.3f} ({fps})")


# --- writing the layers back ---------------------------------------------------------------
LAYER_TRACK = "faceplate"
_TOKEN = re.compile(r"(#+)|%0?(\d*)d|(@+)")


def layer_reference(placement: LayerPlacement, rate: float) -> otio.schema.ImageSequenceReference:
    """The layer's frames as an ImageSequenceReference: frame N of the sequence at media time N."""
    base, prefix, padding, suffix = split_pattern(placement.layer_pattern, placement.shot)
    frames = placement.layer_frames
    return otio.schema.ImageSequenceReference(
        target_url_base=base, name_prefix=prefix, name_suffix=suffix, start_frame=frames.first, frame_step=1,
        rate=rate, frame_zero_padding=padding,
        available_range=otio.opentime.TimeRange(otio.opentime.RationalTime(frames.first, rate),
                                                otio.opentime.RationalTime(frames.count, rate)))


def split_pattern(pattern: str, shot: str = "") -> tuple[str, str, int, str]:
    """(folder with its trailing separator, name prefix, zero padding, name suffix) of a sequence pattern."""
    folder, name = os.path.split(pattern)
    match = _TOKEN.search(name)
    if not match:
        raise ShotError(f"clip {shot!r}: the layer {pattern!r} is not a frame sequence pattern (name.####.exr); "
                        f"point the placement at the rendered sequence")
    padding = len(match.group(1) or match.group(3) or "") or int(match.group(2) or 0)
    separator = "\\" if "\\" in folder and "/" not in folder else "/"
    return (folder + separator if folder else ""), name[:match.start()], padding, name[match.end():]


def layer_clip(placement: LayerPlacement, rate: float) -> otio.schema.Clip:
    """The layer as a clip showing layer frames ``layer_in`` onwards for the placed record frames, with
    what made it in its metadata and its QC flags as markers (clip media time, as OTIO places clip markers)."""
    start = otio.opentime.RationalTime(placement.layer_in, rate)
    clip = otio.schema.Clip(name=placement.shot, media_reference=layer_reference(placement, rate),
                            source_range=otio.opentime.TimeRange(start, otio.opentime.RationalTime(placement.record.count, rate)))
    clip.metadata["faceplate"] = _layer_metadata(placement)
    for span, reason in placement.flags_on_record():
        marked = otio.opentime.TimeRange(otio.opentime.RationalTime(placement.layer_frame(span.first), rate),
                                         otio.opentime.RationalTime(span.count, rate))
        marker = otio.schema.Marker(name=_marker_name(reason), marked_range=marked, color=otio.schema.MarkerColor.ORANGE)
        marker.comment = reason
        marker.metadata["faceplate"] = {"reason": reason, "record": str(span)}
        clip.markers.append(marker)
    return clip


def _layer_metadata(placement: LayerPlacement) -> dict:
    """Which shot, workspace, model and job made the layer (placement.metadata adds to these)."""
    meta = {"shot": placement.shot, "workspace": "", "model": "", "job": ""}
    meta.update({str(k): _plain(v) for k, v in placement.metadata.items()})
    meta.update({"layer": placement.layer_pattern, "layer_frames": str(placement.layer_frames),
                 "record": str(placement.record), "matte": placement.matte_pattern})
    return meta


def _plain(value):
    """OTIO metadata holds JSON-like values only."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def _marker_name(reason: str) -> str:
    first = reason.strip().splitlines()[0] if reason.strip() else "QC flag"
    return "QC: " + (first if len(first) <= 60 else first[:57] + "...")


def add_layer_tracks(timeline: otio.schema.Timeline, placements: Sequence[LayerPlacement]) -> list:
    """Add (in place) one video track per ``track_name`` above every other track, holding each layer at its
    record frames with gaps between; layers that overlap in record go on a further track (``faceplate 2``).
    A track this function wrote before (same name, marked in its metadata) is replaced when it holds the same
    layers, so placing again never stacks duplicates; one holding an earlier version of a layer is kept,
    disabled, under the layers (``faceplate v001``), so the earlier version stays reachable. Every other
    track is left as it was."""
    rate = timeline_rate(timeline)
    origin = record_start(timeline, rate)
    added = []
    for name, group in _by_track_name(placements).items():
        _retire_layer_tracks(timeline, name, {p.layer_pattern for p in group})
        for index, lane in enumerate(_lanes(group)):
            track = otio.schema.Track(name=name if index == 0 else f"{name} {index + 1}", kind=otio.schema.TrackKind.Video)
            track.metadata["faceplate"] = {"layer_track": True, "group": name}
            _fill_track(track, lane, rate, origin)
            timeline.tracks.append(track)
            added.append(track)
    return added


def _by_track_name(placements: Sequence[LayerPlacement]) -> dict:
    groups: dict = {}
    for placement in placements:
        groups.setdefault(placement.track_name or LAYER_TRACK, []).append(placement)
    return groups


def _lanes(placements: list) -> list[list]:
    """Placements sorted by record frame, packed into as few non-overlapping lanes as will hold them."""
    lanes: list[list] = []
    for placement in sorted(placements, key=lambda p: (p.record.first, p.record.last)):
        lane = next((lane for lane in lanes if lane[-1].record.last < placement.record.first), None)
        if lane is None:
            lanes.append([placement])
        else:
            lane.append(placement)
    return lanes


def _fill_track(track, lane: list, rate: float, origin: int) -> None:
    cursor = 0  # stack frames, 0 = the timeline's first record frame
    for placement in lane:
        start = placement.record.first - origin
        if start < 0:
            raise ShotError(f"clip {placement.shot!r}: record frame {placement.record.first} is before the timeline's "
                            f"first frame {origin}; describe the shot from this timeline")
        if start > cursor:
            track.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(
                otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(start - cursor, rate))))
        track.append(layer_clip(placement, rate))
        cursor = start + placement.record.count


def _retire_layer_tracks(timeline, name: str, layers: set) -> None:
    """Remove the layer tracks of group ``name`` that hold only ``layers`` (placed again); disable the others,
    which hold earlier versions: kept under the new tracks, named for their versions, never replaced again."""
    for track in list(timeline.tracks):
        meta = track.metadata.get("faceplate") if hasattr(track.metadata, "get") else None
        if not (meta and meta.get("layer_track") and meta.get("group", track.name) == name):
            continue
        held = [c.metadata.get("faceplate", {}) for c in track.find_clips()]
        if all(h.get("layer") in layers for h in held):
            timeline.tracks.remove(track)
            continue
        versions = sorted({str(h.get("version")) for h in held if h.get("version")})
        track.enabled = False
        track.name = f"{name} {' '.join(versions) or 'earlier'}"
        track.metadata["faceplate"] = {"earlier_version_of": name, "versions": versions}


def write_layers(timeline: otio.schema.Timeline, placements: Sequence[LayerPlacement], out_path) -> Path:
    """Write a copy of ``timeline`` with the layers on new top video tracks to ``out_path`` (any format OTIO
    writes by its suffix), atomically: a temporary file beside it renamed into place, so a failure leaves
    any earlier file whole. The caller's timeline is not changed."""
    out = Path(out_path)
    if not placements:
        raise ShotError(f"{out}: no layers to place; render the shots first (faceplate-otio submit)")
    copy = timeline.deepcopy()
    add_layer_tracks(copy, placements)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.stem}.{os.getpid()}.tmp{out.suffix}")
    try:
        otio.adapters.write_to_file(copy, str(temporary))
        os.replace(temporary, out)
    except (otio.exceptions.OTIOError, OSError, ValueError) as exc:
        raise TimelineError(f"{out}: cannot write the timeline ({_one_line(exc)}); choose a writable .otio path") from None
    finally:
        if temporary.exists():
            temporary.unlink()
    return out
