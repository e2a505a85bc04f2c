"""ResolveAdapter: the marked range (or the clip under the playhead) becomes shots; a layer becomes a clip on
a new video track, or, where Resolve cannot place it exactly, an imported OTIO timeline.

Every call is from Resolve's scripting README (Developer/Scripting/README.txt), quoted where it matters:
- ``Timeline.GetMarkInOut()`` (new in 19.1.0): "Returns dict of in/out marks set (keys omitted if not
  set), example: {'video': {'in': 0, 'out': 134}, 'audio': {...}}": frames counted from the timeline's
  start (``Timeline.GetStartFrame()``).
- ``Timeline.GetCurrentVideoItem()``; ``TimelineItem.GetStart()``/``GetDuration()`` (record frames),
  ``GetLeftOffset()`` ("maximum extension by frame for clip from the left side": the media frames before
  the in point), ``GetSourceStartFrame()`` ("start frame position of the media pool clip in the
  timeline clip"), ``GetMediaPoolItem()``; ``MediaPoolItem.GetClipProperty(name)`` ("string/dict";
  ``FPS`` comes back as a number); ``Timeline.GetSetting('timelineFrameRate')`` ("29.97 DF" when drop-frame).
- ``MediaPool.ImportMedia([{clipInfo}])`` with "FilePath" (printf pattern), "StartIndex", "EndIndex";
  ``Timeline.AddTrack("video")``; ``MediaPool.AppendToTimeline([{clipInfo}, ...])``: "dict of
  "mediaPoolItem", "startFrame" (float/int), "endFrame" (float/int), (optional) "mediaType" (int; 1 - Video
  only, 2 - Audio only), "trackIndex" (int) and "recordFrame" (float/int). Returns the list of appended
  timelineItems" (trackIndex/recordFrame from 18.5; recordFrame is a timeline frame, e.g. 86400+).
- ``MediaPool.ImportTimelineFromFile(filePath, {importOptions})`` (AAF/EDL/XML/FCPXML/DRT/ADL/OTIO).
- ``Timeline.AddMarker(frameId, color, name, note, duration, customData)``: frameId counted from the
  timeline's start, like the in/out marks; ``GetMarkers()`` "dict of {frameId -> {information}}" (one marker
  per frame), ``DeleteMarkerAtFrame(frameNum)``.
- ``Timeline.GetTrackName(trackType, trackIndex)``; ``TimelineItem.SetClipEnabled(Bool)``: an earlier version's
  layer clip is disabled, kept on its track.
"""

from __future__ import annotations

import os
import re
from typing import Any, Callable, Optional

from faceplate_host.shots import (
    DEFAULT_FIRST_FRAME,
    FrameSpan,
    LayerPlacement,
    Shot,
    ShotError,
    exact_rate,
    is_drop_frame_text,
    is_sequence,
)

APPEND_AT = (18, 5)  # AppendToTimeline with trackIndex/recordFrame
MARKS_FROM = (19, 1)  # Timeline.GetMarkInOut
_BRACKETED = re.compile(r"\[(\d+)-(\d+)\]")  # how Resolve's "File Path" shows a sequence: name.[1001-1100].exr
_HASHES = re.compile(r"#+")


def merged_by_start(flags: list) -> list:
    """(span, reason) flags merged per first frame: the longest span, every reason."""
    merged: dict = {}
    for span, reason in flags:
        if span.first in merged:
            held, reasons = merged[span.first]
            merged[span.first] = (FrameSpan(span.first, max(held.last, span.last)), reasons + [reason])
        else:
            merged[span.first] = (span, [reason])
    return [(span, "; ".join(reasons)) for span, reasons in sorted(merged.values(), key=lambda m: m[0].first)]


LAYER_TRACK = "faceplate"  # the track a layer is placed on (jobs.placement_for's track_name)


def get_resolve(scope: Optional[dict] = None) -> Any:
    """``resolve`` injected into scripts run from Workspace > Scripts, else ``DaVinciResolveScript.scriptapp``."""
    if scope and scope.get("resolve") is not None:
        return scope["resolve"]
    try:
        import DaVinciResolveScript  # on PYTHONPATH as the README's "Using a script" section says
    except ImportError:
        raise ShotError(
            "cannot reach DaVinci Resolve: run this from Workspace > Scripts, or put "
            "$RESOLVE_SCRIPT_API/Modules on PYTHONPATH (see Resolve's scripting README)"
        ) from None
    resolve = DaVinciResolveScript.scriptapp("Resolve")
    if resolve is None:
        raise ShotError("DaVinci Resolve is not running, or external scripting is off (Preferences > General)")
    return resolve


class ResolveAdapter:
    host = "resolve"

    def __init__(
        self,
        resolve: Any,
        write_otio: Optional[Callable[[LayerPlacement], str]] = None,
        report: Callable[[str], None] = print,
    ):
        """``write_otio(placement) -> path``: the fallback's timeline file (default: ``write_layer_timeline``)."""
        self.resolve, self.report = resolve, report
        self.write_otio = write_otio or self.write_layer_timeline

    # --- where we are ----------------------------------------------------------------------
    def version(self) -> tuple:
        fields = self.resolve.GetVersion() or [0, 0]
        return tuple(int(f) for f in fields[:2])

    def project(self) -> Any:
        project = self.resolve.GetProjectManager().GetCurrentProject()
        if project is None:
            raise ShotError("no project is open in Resolve")
        return project

    def timeline(self) -> Any:
        timeline = self.project().GetCurrentTimeline()
        if timeline is None:
            raise ShotError("no timeline is open in Resolve: open the edit with the shot")
        return timeline

    # --- collect ---------------------------------------------------------------------------
    def collect(self) -> list[Shot]:
        timeline = self.timeline()
        marked = self.marked_range(timeline)
        if marked is None:
            item = timeline.GetCurrentVideoItem()
            if item is None:
                raise ShotError("mark in and out on the timeline, or put the playhead over the clip to swap")
            return [self.item_shot(timeline, item, None, self._track_of(item))]
        for track in range(int(timeline.GetTrackCount("video")), 0, -1):  # the top clip is what the viewer shows
            if timeline.GetTrackName("video", track) == LAYER_TRACK:
                continue  # a placed layer: a review note sends the plate under it again
            under = [i for i in timeline.GetItemListInTrack("video", track) or [] if _overlaps(i, marked)]
            if under:
                return [self.item_shot(timeline, i, marked, track) for i in sorted(under, key=lambda i: i.GetStart())]
        raise ShotError(f"no video clip lies under the marked range {marked}")

    def marked_range(self, timeline: Any) -> Optional[FrameSpan]:
        if self.version() < MARKS_FROM:
            return None
        video = (timeline.GetMarkInOut() or {}).get("video") or {}
        if "in" not in video or "out" not in video:  # keys are omitted when not set
            return None
        start = int(timeline.GetStartFrame())
        return FrameSpan(start + int(video["in"]), start + int(video["out"]))

    def item_shot(self, timeline: Any, item: Any, within: Optional[FrameSpan], track: int) -> Shot:
        name = item.GetName()
        media_item = item.GetMediaPoolItem()
        if media_item is None:
            raise ShotError(f"clip {name!r} has no media (a title or generator): mark a clip of the plate")
        media, first_number = media_pattern(str(media_item.GetClipProperty("File Path") or ""), name)
        rate_text = timeline.GetSetting("timelineFrameRate")
        rate = exact_rate(rate_text)
        clip_rate = exact_rate(media_item.GetClipProperty("FPS"))
        if clip_rate != rate:
            raise ShotError(
                f"clip {name!r} is {float(clip_rate):g} fps in a {rate_text} fps timeline: a rate-converted "
                "clip cannot be swapped frame for frame; conform it to the timeline rate first"
            )
        record = FrameSpan(int(item.GetStart()), int(item.GetStart()) + int(item.GetDuration()) - 1)
        index = int(item.GetLeftOffset())
        source_start = int(item.GetSourceStartFrame())
        if source_start not in (index, index + (first_number or 0)):
            raise ShotError(
                f"clip {name!r} is retimed (it starts at media frame {source_start} with {index} frames "
                "before its in point): flatten the speed change first"
            )
        plate_first = (first_number if first_number is not None else DEFAULT_FIRST_FRAME) + index
        if within is not None:
            clipped = FrameSpan(max(record.first, within.first), min(record.last, within.last))
            plate_first += clipped.first - record.first
            record = clipped
        return Shot(
            name=name,
            media=media,
            source=FrameSpan(plate_first, plate_first + record.count - 1),
            record=record,
            rate=rate,
            drop_frame=is_drop_frame_text(rate_text) or str(timeline.GetSetting("timelineDropFrameTimecode")) == "1",
            first_frame=None if first_number is not None else DEFAULT_FIRST_FRAME,
            resolution=_resolution(media_item.GetClipProperty("Resolution")),
            track=f"V{track}",
            timeline=timeline.GetName(),
            clip_id=_unique_id(item),
        )

    def _track_of(self, item: Any) -> int:
        found = item.GetTrackTypeAndIndex() if hasattr(item, "GetTrackTypeAndIndex") else None
        return int(found[1]) if found else 1

    # --- place -----------------------------------------------------------------------------
    def place(self, placement: LayerPlacement) -> None:
        timeline = self.timeline()
        if self.version() < APPEND_AT:
            return self.fall_back(
                placement,
                f"Resolve {'.'.join(map(str, self.version()))} cannot place a clip at a "
                "record frame (18.5 or later can)",
            )
        self.remove_previews(timeline, placement)
        earlier = self.earlier_layers(timeline, placement)
        pool = self.project().GetMediaPool()
        imported = (
            pool.ImportMedia(
                [
                    {
                        "FilePath": printf_pattern(placement.layer_pattern),
                        "StartIndex": placement.layer_frames.first,
                        "EndIndex": placement.layer_frames.last,
                    }
                ]
            )
            or []
        )
        if not imported:
            return self.fall_back(placement, f"Resolve did not import {placement.layer_pattern}")
        if not timeline.AddTrack("video"):
            return self.fall_back(placement, "Resolve did not add a video track")
        track = int(timeline.GetTrackCount("video"))
        timeline.SetTrackName("video", track, placement.track_name)
        first = placement.layer_in - placement.layer_frames.first  # startFrame/endFrame count from the clip's start
        appended = (
            pool.AppendToTimeline(
                [
                    {
                        "mediaPoolItem": imported[0],
                        "startFrame": first,
                        "endFrame": first + placement.record.count - 1,
                        "mediaType": 1,
                        "trackIndex": track,
                        "recordFrame": placement.record.first,
                    }
                ]
            )
            or []
        )
        if not appended:
            return self.fall_back(placement, "AppendToTimeline returned no clip")
        wrong = self.misplaced(appended[0], placement, track)
        if wrong:
            timeline.DeleteClips(appended, False)
            return self.fall_back(placement, wrong)
        for item in earlier:  # an earlier version: kept where it is, no longer shown
            item.SetClipEnabled(False)
        if not placement.metadata.get("preview"):  # QC has not looked at a preview: the version's markers stay
            self.add_markers(timeline, placement)

    def place_preview(self, placement: LayerPlacement) -> None:
        """A layer preview made while the shot trains goes in as a layer does; the next preview or the final
        version deletes its clip (``remove_previews``)."""
        self.place(placement)

    def remove_previews(self, timeline: Any, placement: LayerPlacement) -> None:
        """Layer previews placed over these record frames (their files in a ``render/preview/`` folder): deleted,
        never kept as an earlier version (``DeleteClips``; their emptied track stays)."""
        previews = [item for item in self.earlier_layers(timeline, placement) if is_preview_item(item)]
        if previews:
            timeline.DeleteClips(previews, False)

    def earlier_layers(self, timeline: Any, placement: LayerPlacement) -> list:
        """Layer clips placed before (an earlier version) over these record frames, on tracks named like ours."""
        found = []
        for index in range(1, int(timeline.GetTrackCount("video")) + 1):
            if timeline.GetTrackName("video", index) != placement.track_name:
                continue
            found += [
                item
                for item in timeline.GetItemListInTrack("video", index) or []
                if int(item.GetStart()) <= placement.record.last and int(item.GetEnd()) > placement.record.first
            ]
        return found

    def misplaced(self, item: Any, placement: LayerPlacement, track: int) -> str:
        """What differs between the clip Resolve appended and the placement ("" when it is exact)."""
        where = [int(item.GetStart()), int(item.GetDuration())]
        want = [placement.record.first, placement.record.count]
        found = (item.GetTrackTypeAndIndex() if hasattr(item, "GetTrackTypeAndIndex") else None) or ["video", track]
        if where != want or list(found) != ["video", track]:
            return (
                f"Resolve put the layer at {where[0]} for {where[1]} frames on {found[0]} {found[1]}, not at "
                f"{want[0]} for {want[1]} frames on video {track}"
            )
        return ""

    def add_markers(self, timeline: Any, placement: LayerPlacement) -> None:
        """QC flags as markers with their durations. Resolve keys markers by frame, so flags starting on one frame
        become one marker (reasons joined, the longest duration); an earlier version's markers on these frames go."""
        start = int(timeline.GetStartFrame())
        first, last = placement.record.first - start, placement.record.last - start
        for frame, marker in (timeline.GetMarkers() or {}).items():
            if str(marker.get("customData", "")).startswith("faceplate:") and first <= int(frame) <= last:
                timeline.DeleteMarkerAtFrame(frame)
        for span, reason in merged_by_start(placement.flags_on_record()):
            if not timeline.AddMarker(
                span.first - start, "Red", "Faceplate QC", reason, span.count, f"faceplate:{span}"
            ):
                self.report(f"Faceplate: no QC marker at {span.first} ({reason}): another marker holds that frame")

    def fall_back(self, placement: LayerPlacement, why: str) -> None:
        """Import the layer as a new timeline from the written OTIO file, and say why."""
        path = self.write_otio(placement)
        name = f"{self.timeline().GetName()} faceplate {placement.shot}"
        imported = self.project().GetMediaPool().ImportTimelineFromFile(path, {"timelineName": name})
        if imported is None:
            raise ShotError(f"{why}, and Resolve did not import {path}: import it by hand (File > Import > Timeline)")
        self.report(
            f"Faceplate: {why}; the layer is in the new timeline {name!r} imported from {path} "
            f"(frames {placement.record} on track {placement.track_name!r})"
        )

    def write_layer_timeline(self, placement: LayerPlacement) -> str:
        """A timeline starting where the current one starts, holding only the layer at its record frames,
        written by the shared OTIO writer (``faceplate_host.timeline.write_layers``) beside the layer files."""
        import opentimelineio as otio

        from faceplate_host.timeline import write_layers

        timeline = self.timeline()
        empty = otio.schema.Timeline(
            name=f"{timeline.GetName()} faceplate {placement.shot}",
            global_start_time=otio.opentime.RationalTime(int(timeline.GetStartFrame()), float(placement.rate)),
        )
        folder = os.path.dirname(os.path.dirname(placement.layer_pattern))  # render/, beside layer/
        return str(write_layers(empty, [placement], os.path.join(folder, f"{placement.shot}.faceplate.otio")))

    # --- select ----------------------------------------------------------------------------
    def select(self, shot: Shot) -> None:
        timeline = self.timeline()
        frame = shot.record.first
        timeline.SetCurrentTimecode(timecode(frame, shot.rate, shot.drop_frame))


def media_pattern(path: str, clip: str) -> tuple[str, Optional[int]]:
    """(plate pattern, first frame number) from Resolve's "File Path": ``name.[1001-1100].exr`` becomes
    ``name.####.exr`` and 1001; a movie stays as it is with no first number."""
    if not path:
        raise ShotError(f"clip {clip!r} has no file path in the media pool (offline media?)")
    match = _BRACKETED.search(path)
    if match:
        return path[: match.start()] + "#" * len(match.group(1)) + path[match.end() :], int(match.group(1))
    if is_sequence(path):
        raise ShotError(f"clip {clip!r}: cannot tell the frame numbers of {path}")
    return path, None


def printf_pattern(pattern: str) -> str:
    """``name.####.exr`` → ``name.%04d.exr``, the form ImportMedia's "FilePath" takes."""
    return _HASHES.sub(lambda m: f"%0{len(m.group(0))}d", pattern, count=1)


def timecode(frame: int, rate, drop_frame: bool = False) -> str:
    """HH:MM:SS:FF of a timeline frame (drop-frame numbering, ';' before frames, for 29.97/59.94 DF)."""
    base = round(float(rate))
    if drop_frame:
        drop = 2 * (base // 30)
        per_10min, per_min = base * 600 - drop * 9, base * 60 - drop
        tens, rest = divmod(frame, per_10min)
        frame += drop * 9 * tens + (drop * ((rest - drop) // per_min) if rest > drop else 0)
    hours, rest = divmod(frame, base * 3600)
    minutes, rest = divmod(rest, base * 60)
    seconds, frames = divmod(rest, base)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{';' if drop_frame else ':'}{frames:02d}"


def _overlaps(item: Any, span: FrameSpan) -> bool:
    start = int(item.GetStart())
    return start <= span.last and start + int(item.GetDuration()) - 1 >= span.first


def _resolution(text: Any) -> Optional[tuple[int, int]]:
    match = re.fullmatch(r"\s*(\d+)\s*x\s*(\d+)\s*", str(text or ""))
    return (int(match.group(1)), int(match.group(2))) if match else None


def _unique_id(item: Any) -> str:
    return str(item.GetUniqueId()) if hasattr(item, "GetUniqueId") else ""


def is_preview_item(item: Any) -> bool:
    """A timeline item of a layer preview: its media's file path runs through ``render/preview/``."""
    media = item.GetMediaPoolItem() if hasattr(item, "GetMediaPoolItem") else None
    path = str(media.GetClipProperty("File Path") or "") if media is not None else ""
    return bool(re.search(r"[\\/]render[\\/]preview[\\/]", path))
