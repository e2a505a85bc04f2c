"""An in-process stand-in for the DaVinci Resolve scripting objects the adapter calls, written from Resolve's
``Developer/Scripting/README.txt`` (not from the adapter), recording every call.

What the README documents and this reproduces:
- ``Resolve.GetVersion()`` → "[major, minor, patch, build, suffix]"; ``GetProjectManager()``;
  ``ProjectManager.GetCurrentProject()``; ``Project.GetCurrentTimeline()``, ``GetMediaPool()``.
- ``Timeline.GetMarkInOut()`` (19.1.0+): "dict of in/out marks set (keys omitted if not set)", e.g.
  ``{'video': {'in': 0, 'out': 134}}``, counted from the timeline's start; absent before 19.1.
- ``Timeline.GetMarkers()`` → "dict of {frameId -> {information}}": one marker per frame, so ``AddMarker`` at a
  frame that holds one returns False; ``DeleteMarkerAtFrame(frameNum)`` → Bool; ``GetTrackName(type, index)``.
- ``TimelineItem.SetClipEnabled(Bool)`` → Bool, ``GetClipEnabled()`` → Bool.
- ``Timeline.GetStartFrame()``, ``GetSetting(name)`` → string ("timelineFrameRate": "24", "23.976",
  "29.97 DF"; "timelineDropFrameTimecode": "0"/"1"), ``GetCurrentVideoItem()``, ``GetTrackCount(type)``,
  ``GetItemListInTrack(type, index)``, ``AddTrack(type)`` → Bool, ``SetTrackName``, ``DeleteClips([items],
  ripple)``, ``AddMarker(frameId, color, name, note, duration, customData)`` → Bool, ``SetCurrentTimecode``.
- ``TimelineItem``: ``GetName``, ``GetStart``, ``GetEnd``, ``GetDuration`` (timeline frames),
  ``GetLeftOffset``, ``GetSourceStartFrame``, ``GetMediaPoolItem``, ``GetTrackTypeAndIndex`` → [type, index].
- ``MediaPoolItem.GetClipProperty(name)``: strings ("File Path", "Resolution" "1920x1080"), except
  ``FPS``, which Resolve returns as a number (23.976).
- ``Project.GetName()``, ``Project.GetUniqueId()`` ("Returns a unique ID for the project item").
- A project lives in Resolve's database across sessions: ``restarted()`` is a new Resolve session with the same
  project open (its id, timeline, clips, track names, markers and marks; nothing else carried over).
- ``MediaPool.ImportMedia([{"FilePath", "StartIndex", "EndIndex"}])`` → [MediaPoolItem];
  ``AppendToTimeline([{clipInfo}])`` → "the list of appended timelineItems" (empty when it fails);
  before 18.5 the clipInfo has no trackIndex/recordFrame and clips are appended at the track's end;
  ``ImportTimelineFromFile(path, {options})`` → Timeline (None on failure).
"""

from __future__ import annotations


class Recorder:
    def __init__(self, log, name):
        self.log, self.label = log, name

    def record(self, method, *args):
        self.log.append((self.label, method) + args)


class MediaPoolItem(Recorder):
    def __init__(self, log, properties):
        super().__init__(log, "MediaPoolItem")
        self.properties = dict(properties)

    def GetClipProperty(self, name=None):
        self.record("GetClipProperty", name)
        return dict(self.properties) if name is None else self.properties.get(name, "")

    def GetName(self):
        return self.properties.get("Clip Name", "")


class TimelineItem(Recorder):
    def __init__(self, log, name, media, start, duration, left_offset, track, uid):
        super().__init__(log, "TimelineItem")
        self.name, self.media, self.start, self.duration = name, media, start, duration
        self.left_offset, self.track, self.uid = left_offset, track, uid
        self.enabled = True

    def SetClipEnabled(self, enabled):
        self.record("SetClipEnabled", enabled)
        self.enabled = bool(enabled)
        return True

    def GetClipEnabled(self):
        return self.enabled

    def GetName(self):
        return self.name

    def GetStart(self, subframe=False):
        return self.start

    def GetEnd(self, subframe=False):
        return self.start + self.duration

    def GetDuration(self, subframe=False):
        return self.duration

    def GetLeftOffset(self, subframe=False):
        return self.left_offset

    def GetSourceStartFrame(self):
        return self.left_offset

    def GetMediaPoolItem(self):
        return self.media

    def GetTrackTypeAndIndex(self):
        return ["video", self.track]

    def GetUniqueId(self):
        return self.uid


class Timeline(Recorder):
    def __init__(self, log, version, name="Edit v3", start=86400, rate="24", drop="0", tracks=1):
        super().__init__(log, "Timeline")
        self.version, self.name, self.start, self.settings = (
            version,
            name,
            start,
            {"timelineFrameRate": rate, "timelineDropFrameTimecode": drop},
        )
        self.tracks = {i: [] for i in range(1, tracks + 1)}
        self.marks, self.current, self.markers, self.track_names = {}, None, {}, {}
        self.refuse_tracks = False

    def __getattr__(self, name):
        if name == "GetMarkInOut" and tuple(self.version[:2]) >= (19, 1):
            return lambda: {kind: dict(marks) for kind, marks in self.marks.items()}
        raise AttributeError(name)  # a call this Resolve version does not have

    def GetName(self):
        return self.name

    def GetStartFrame(self):
        return self.start

    def GetSetting(self, name):
        return self.settings.get(name, "")

    def GetCurrentVideoItem(self):
        return self.current

    def GetTrackCount(self, kind):
        return len(self.tracks) if kind == "video" else 0

    def GetItemListInTrack(self, kind, index):
        return list(self.tracks.get(index, [])) if kind == "video" else []

    def AddTrack(self, kind, sub=None):
        self.record("AddTrack", kind)
        if self.refuse_tracks:
            return False
        self.tracks[len(self.tracks) + 1] = []
        return True

    def SetTrackName(self, kind, index, name):
        self.record("SetTrackName", kind, index, name)
        self.track_names[index] = name
        return True

    def DeleteClips(self, items, ripple=False):
        self.record("DeleteClips", [i.name for i in items], ripple)
        for track in self.tracks.values():
            track[:] = [i for i in track if i not in items]
        return True

    def GetTrackName(self, kind, index):
        return self.track_names.get(index, f"Video {index}") if kind == "video" else ""

    def AddMarker(self, frame_id, color, name, note, duration, custom=""):
        self.record("AddMarker", frame_id, color, name, note, duration, custom)
        if frame_id in self.markers:
            return False  # one marker per frame
        self.markers[frame_id] = {
            "color": color,
            "duration": duration,
            "note": note,
            "name": name,
            "customData": custom,
        }
        return True

    def GetMarkers(self):
        return {frame: dict(marker) for frame, marker in self.markers.items()}

    def DeleteMarkerAtFrame(self, frame):
        self.record("DeleteMarkerAtFrame", frame)
        return self.markers.pop(frame, None) is not None

    def SetCurrentTimecode(self, timecode):
        self.record("SetCurrentTimecode", timecode)
        return True


class MediaPool(Recorder):
    def __init__(self, log, project):
        super().__init__(log, "MediaPool")
        self.project, self.fail_import, self.fail_append, self.ignore_record_frame = project, False, False, False
        self.timelines_imported = []

    def ImportMedia(self, items):
        self.record("ImportMedia", items)
        if self.fail_import:
            return []
        return [MediaPoolItem(self.log, {"File Path": items[0]["FilePath"], "FPS": 24.0})]

    def AppendToTimeline(self, infos):
        self.record("AppendToTimeline", infos)
        timeline = self.project.timeline
        if self.fail_append:
            return []
        appended = []
        for info in infos:
            track = info.get("trackIndex", 1) if self.project.resolve.version >= [18, 5] else 1
            items = timeline.tracks[track]
            at = (
                info["recordFrame"]
                if "recordFrame" in info and not self.ignore_record_frame
                else (max((i.GetEnd() for i in items), default=timeline.start))
            )
            item = TimelineItem(
                self.log,
                "layer",
                info["mediaPoolItem"],
                at,
                info["endFrame"] - info["startFrame"] + 1,
                info["startFrame"],
                track,
                f"item-{len(self.log)}",
            )
            items.append(item)
            appended.append(item)
        return appended

    def ImportTimelineFromFile(self, path, options=None):
        self.record("ImportTimelineFromFile", path, options)
        imported = Timeline(self.log, self.project.resolve.version, name=(options or {}).get("timelineName", path))
        self.timelines_imported.append(imported)
        return imported


class Project:
    def __init__(self, resolve, timeline, name="Interview", uid="6a1c0b6e-1d2f-4b8e-9f3a-0c5d7e8f9a01"):
        self.resolve, self.timeline, self.name, self.uid = resolve, timeline, name, uid
        self.pool = MediaPool(resolve.log, self)

    def GetName(self):
        return self.name

    def GetUniqueId(self):
        return self.uid

    def GetCurrentTimeline(self):
        return self.timeline

    def GetMediaPool(self):
        return self.pool


class ProjectManager:
    def __init__(self, project):
        self.project = project

    def GetCurrentProject(self):
        return self.project


class ResolveStandIn:
    def __init__(self, version=(19, 1, 0), **timeline):
        self.version, self.log = [*version, 0, ""], []
        self.timeline = Timeline(self.log, self.version, **timeline)
        self.project = Project(self, self.timeline)

    def restarted(self):
        """Resolve quit and started again, the same project opened from its database (a fresh call log)."""
        again = ResolveStandIn(version=tuple(self.version[:3]), name=self.timeline.name, start=self.timeline.start)
        again.project.name, again.project.uid = self.project.name, self.project.uid
        saved, timeline = self.timeline, again.timeline
        timeline.settings, timeline.marks = dict(saved.settings), dict(saved.marks)
        timeline.markers, timeline.track_names = dict(saved.markers), dict(saved.track_names)
        for index, items in saved.tracks.items():
            timeline.tracks[index] = []
            for item in items:
                media = item.media and MediaPoolItem(again.log, item.media.properties)
                copy = TimelineItem(
                    again.log, item.name, media, item.start, item.duration, item.left_offset, index, item.uid
                )
                copy.enabled = item.enabled
                timeline.tracks[index].append(copy)
        return again

    def GetVersion(self):
        return list(self.version)

    def GetProjectManager(self):
        return ProjectManager(self.project)

    def clip(self, name, path, start, duration, left_offset, track=1, fps=24.0, resolution="1920x1080"):
        """A clip on the timeline: media ``path`` shown from media frame ``left_offset`` at record ``start``."""
        media = MediaPoolItem(self.log, {"File Path": path, "FPS": fps, "Resolution": resolution, "Clip Name": name})
        item = TimelineItem(self.log, name, media, start, duration, left_offset, track, f"uid-{name}")
        self.timeline.tracks.setdefault(track, []).append(item)
        return item

    def calls(self, method):
        return [entry[2:] for entry in self.log if entry[1] == method]
