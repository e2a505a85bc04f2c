"""Writing the layers back: each placement as a clip on new top video tracks, written atomically."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Sequence

import opentimelineio as otio

from faceplate_host.shots import FrameSpan, LayerPlacement, ShotError
from faceplate_host.timeline.frames import record_start, timeline_rate
from faceplate_host.timeline.reading import TimelineError, one_line

LAYER_TRACK = "faceplate"
_TOKEN = re.compile(r"(#+)|%0?(\d*)d|(@+)")


def sequence_reference(
    pattern: str, frames: FrameSpan, rate: float, shot: str = ""
) -> otio.schema.ImageSequenceReference:
    """``frames`` of a sequence ``pattern`` (``name.####.exr``) as an ImageSequenceReference: frame N of the
    sequence at media time N. ``shot`` names the clip in the error for a path that is not a pattern."""
    base, prefix, padding, suffix = split_pattern(pattern, shot)
    return otio.schema.ImageSequenceReference(
        target_url_base=base,
        name_prefix=prefix,
        name_suffix=suffix,
        start_frame=frames.first,
        frame_step=1,
        rate=rate,
        frame_zero_padding=padding,
        available_range=otio.opentime.TimeRange(
            otio.opentime.RationalTime(frames.first, rate), otio.opentime.RationalTime(frames.count, rate)
        ),
    )


def split_pattern(pattern: str, shot: str = "") -> tuple[str, str, int, str]:
    """(folder with its trailing separator, name prefix, zero padding, name suffix) of a sequence pattern."""
    folder, name = os.path.split(pattern)
    match = _TOKEN.search(name)
    if not match:
        raise ShotError(
            f"clip {shot!r}: the layer {pattern!r} is not a frame sequence pattern (name.####.exr); "
            f"point the placement at the rendered sequence"
        )
    padding = len(match.group(1) or match.group(3) or "") or int(match.group(2) or 0)
    separator = "\\" if "\\" in folder and "/" not in folder else "/"
    return (folder + separator if folder else ""), name[: match.start()], padding, name[match.end() :]


def layer_clip(placement: LayerPlacement, rate: float) -> otio.schema.Clip:
    """The layer as a clip showing layer frames ``layer_in`` onwards for the placed record frames, with
    what made it in its metadata and its QC flags as markers (clip media time, as OTIO places clip markers)."""
    start = otio.opentime.RationalTime(placement.layer_in, rate)
    clip = otio.schema.Clip(
        name=placement.shot,
        media_reference=sequence_reference(placement.layer_pattern, placement.layer_frames, rate, placement.shot),
        source_range=otio.opentime.TimeRange(start, otio.opentime.RationalTime(placement.record.count, rate)),
    )
    clip.metadata["faceplate"] = _layer_metadata(placement)
    for span, reason in placement.flags_on_record():
        marked = otio.opentime.TimeRange(
            otio.opentime.RationalTime(placement.layer_frame(span.first), rate),
            otio.opentime.RationalTime(span.count, rate),
        )
        marker = otio.schema.Marker(
            name=_marker_name(reason), marked_range=marked, color=otio.schema.MarkerColor.ORANGE
        )
        marker.comment = reason
        marker.metadata["faceplate"] = {"reason": reason, "record": str(span)}
        clip.markers.append(marker)
    return clip


def _layer_metadata(placement: LayerPlacement) -> dict:
    """Which shot, workspace, model and job made the layer (placement.metadata adds to these)."""
    meta = {"shot": placement.shot, "workspace": "", "model": "", "job": ""}
    meta.update({str(k): _plain(v) for k, v in placement.metadata.items()})
    meta.update(
        {
            "layer": placement.layer_pattern,
            "layer_frames": str(placement.layer_frames),
            "record": str(placement.record),
            "matte": placement.matte_pattern,
        }
    )
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
    record frames with gaps between and the clip's dissolves (``_fill_track``); layers whose shown frames
    overlap go on a further track (``faceplate 2``).
    A track this function wrote before (same name, marked in its metadata) is replaced when it holds the same
    layers or layer previews (``faceplate-otio place --preview``), so placing again never stacks duplicates; one holding an earlier version of a layer is kept,
    disabled, under the layers (``faceplate v001``), so the earlier version stays reachable. Every other
    track is left as it was."""
    rate = timeline_rate(timeline)
    origin = record_start(timeline, rate)
    added = []
    for name, group in _by_track_name(placements).items():
        _retire_layer_tracks(timeline, name, {p.layer_pattern for p in group})
        for index, lane in enumerate(_lanes(group)):
            track = otio.schema.Track(
                name=name if index == 0 else f"{name} {index + 1}", kind=otio.schema.TrackKind.Video
            )
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
    """Placements sorted by record frame, packed into as few lanes as will hold them without overlap."""
    lanes: list[list] = []
    for placement in sorted(placements, key=lambda p: (p.record.first, p.record.last)):
        lane = next((lane for lane in lanes if _fits(lane[-1], placement)), None)
        if lane is None:
            lanes.append([placement])
        else:
            lane.append(placement)
    return lanes


def _fits(before: LayerPlacement, after: LayerPlacement) -> bool:
    """``after`` can follow ``before`` on one track: they share the dissolve at their cut, or what each shows
    ends before the other starts (with a frame of gap for a dissolve to fade into)."""
    if _shares_cut(before, after):
        return True
    margin = int(any(before.dissolve_out)) + int(any(after.dissolve_in))
    return before.shown.last + margin < after.shown.first


def _shares_cut(before: LayerPlacement, after: LayerPlacement) -> bool:
    return (
        before.record.last + 1 == after.record.first
        and any(after.dissolve_in)
        and before.dissolve_out == after.dissolve_in
    )


def _fill_track(track, lane: list, rate: float, origin: int) -> None:
    """Gaps, layers and dissolves: a layer dissolves where its clip does (into the next layer when both
    share the cut, else into a gap), showing the layer's handle frames as the plate shows the clip's."""
    cursor, previous = 0, None  # stack frames, 0 = the timeline's first record frame
    for placement in lane:
        start = placement.record.first - origin
        if start - placement.dissolve_in[0] < 0:
            raise ShotError(
                f"clip {placement.shot!r}: record frame {placement.shown.first} is before the timeline's "
                f"first frame {origin}; describe the shot from this timeline"
            )
        if previous is not None and _shares_cut(previous, placement):
            track.append(_dissolve(placement.dissolve_in, rate))
        else:
            if previous is not None and any(previous.dissolve_out):
                track.append(_dissolve(previous.dissolve_out, rate))
            if start > cursor:
                track.append(_gap(start - cursor, rate))
            if any(placement.dissolve_in):
                track.append(_dissolve(placement.dissolve_in, rate))
        track.append(layer_clip(placement, rate))
        cursor, previous = start + placement.record.count, placement
    if previous is not None and any(previous.dissolve_out):  # fade out into a gap as long as the dissolve
        track.append(_dissolve(previous.dissolve_out, rate))
        track.append(_gap(max(1, previous.dissolve_out[1]), rate))


def _gap(frames: int, rate: float) -> otio.schema.Gap:
    return otio.schema.Gap(
        source_range=otio.opentime.TimeRange(
            otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(frames, rate)
        )
    )


def _dissolve(frames: tuple, rate: float) -> otio.schema.Transition:
    """The cut's dissolve: ``frames`` = (before the cut, after it), OTIO's in_offset and out_offset."""
    return otio.schema.Transition(
        name="faceplate dissolve",
        transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
        in_offset=otio.opentime.RationalTime(frames[0], rate),
        out_offset=otio.opentime.RationalTime(frames[1], rate),
    )


def _retire_layer_tracks(timeline, name: str, layers: set) -> None:
    """Remove the layer tracks of group ``name`` that hold only ``layers`` (placed again); disable the others,
    which hold earlier versions: kept under the new tracks, named for their versions, never replaced again."""
    for track in list(timeline.tracks):
        meta = track.metadata.get("faceplate") if hasattr(track.metadata, "get") else None
        if not (meta and meta.get("layer_track") and meta.get("group", track.name) == name):
            continue
        held = [c.metadata.get("faceplate", {}) for c in track.find_clips()]
        if all(h.get("layer") in layers or h.get("preview") for h in held):  # a layer preview is never kept
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
        raise TimelineError(
            f"{out}: cannot write the timeline ({one_line(exc)}); choose a writable .otio path"
        ) from None
    finally:
        if temporary.exists():
            temporary.unlink()
    return out
