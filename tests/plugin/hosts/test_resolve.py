"""ResolveAdapter against the documented scripting API (resolve_standin.py): marked ranges and the clip under
the playhead become shots; a layer lands on a new video track at the clip's record frames, or comes in as an
imported OTIO timeline with a message when Resolve cannot place it exactly."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest
from resolve_standin import ResolveStandIn

from faceplate_host.hosts.resolve.adapter import ResolveAdapter, get_resolve, media_pattern, printf_pattern, timecode
from faceplate_host.shots import Flag, FrameSpan, ShotError, place_layer

SEQUENCE = "/plates/sh010/plate.[1001-1100].exr"  # how "File Path" shows an image sequence


def test_marked_range_becomes_the_clipped_shot_of_the_top_clip_under_it():
    resolve = ResolveStandIn(version=(19, 1, 2), start=86400, rate="24", tracks=2)
    resolve.clip("sh010", SEQUENCE, start=86400, duration=60, left_offset=10)  # shows plate 1011-1070
    resolve.clip("sh010_top", SEQUENCE, start=86420, duration=20, left_offset=30, track=2)  # plate 1031-1050
    resolve.timeline.marks = {"video": {"in": 25, "out": 34}, "audio": {"in": 25, "out": 34}}
    [shot] = ResolveAdapter(resolve).collect()
    assert (shot.name, str(shot.record), str(shot.source)) == ("sh010_top", "86425-86434", "1036-1045")
    assert shot.media == "/plates/sh010/plate.####.exr" and shot.first_frame is None
    assert shot.track == "V2" and shot.rate == Fraction(24) and shot.resolution == (1920, 1080)


def test_marks_with_a_missing_key_fall_back_to_the_clip_under_the_playhead():
    resolve = ResolveStandIn(version=(19, 1, 0), start=86400, rate="23.976")
    item = resolve.clip("interview", "/media/A001_C003.mov", start=86500, duration=48, left_offset=120, fps=23.976)
    resolve.timeline.marks = {"video": {"in": 12}}  # out not set: the key is omitted
    resolve.timeline.current = item
    [shot] = ResolveAdapter(resolve).collect()
    assert (str(shot.record), str(shot.source), shot.first_frame) == ("86500-86547", "1121-1168", 1001)
    assert shot.rate == Fraction(24000, 1001) and not shot.drop_frame


def test_before_19_1_there_are_no_marks_to_read():
    resolve = ResolveStandIn(version=(18, 6, 4), start=108000, rate="29.97 DF")
    resolve.timeline.current = resolve.clip(
        "sh020", "/media/B002.mxf", start=108010, duration=30, left_offset=0, fps="29.97"
    )
    [shot] = ResolveAdapter(resolve).collect()
    assert shot.drop_frame and shot.rate == Fraction(30000, 1001) and str(shot.source) == "1001-1030"
    assert not resolve.calls("GetMarkInOut")


@pytest.mark.parametrize(
    "clip, message",
    [
        (dict(fps=25.0), r"clip 'sh010' is 25 fps in a 24 fps timeline"),
        (dict(path=""), r"clip 'sh010' has no file path in the media pool"),
    ],
)
def test_clips_that_cannot_be_swapped_are_named(clip, message):
    resolve = ResolveStandIn(rate="24")
    resolve.timeline.current = resolve.clip(
        "sh010", clip.get("path", SEQUENCE), start=86400, duration=10, left_offset=0, fps=clip.get("fps", 24.0)
    )
    with pytest.raises(ShotError, match=message):
        ResolveAdapter(resolve).collect()


def test_nothing_marked_and_no_clip_under_the_playhead():
    with pytest.raises(ShotError, match="mark in and out on the timeline, or put the playhead over the clip"):
        ResolveAdapter(ResolveStandIn()).collect()


def layer_for(resolve, flags=()):
    resolve.timeline.current = resolve.clip("sh010", SEQUENCE, start=86424, duration=40, left_offset=5)
    shot = ResolveAdapter(resolve).collect()[0]  # plate 1006-1045 at 86424-86463
    return place_layer(shot, "/shots/sh010/render/layer/faceplate.####.exr", FrameSpan(1000, 1051), flags=flags)


def test_the_layer_goes_on_a_new_video_track_at_the_clips_record_frames():
    resolve = ResolveStandIn(version=(19, 1, 0), start=86400)
    placement = layer_for(
        resolve, flags=(Flag(FrameSpan(1010, 1011), "mouth smears"), Flag(FrameSpan(1000, 1002), "handle only"))
    )
    messages = []
    ResolveAdapter(resolve, report=messages.append).place(placement)
    assert resolve.calls("ImportMedia") == [
        ([{"FilePath": "/shots/sh010/render/layer/faceplate.%04d.exr", "StartIndex": 1000, "EndIndex": 1051}],)
    ]
    assert resolve.calls("AddTrack") == [("video",)] and resolve.calls("SetTrackName") == [("video", 2, "faceplate")]
    [(infos,)] = resolve.calls("AppendToTimeline")
    assert {k: v for k, v in infos[0].items() if k != "mediaPoolItem"} == {
        "startFrame": 6,
        "endFrame": 45,
        "mediaType": 1,
        "trackIndex": 2,
        "recordFrame": 86424,
    }
    [layer] = resolve.timeline.tracks[2]
    assert (layer.GetStart(), layer.GetDuration()) == (86424, 40)
    assert resolve.timeline.GetMarkers() == {
        28: {
            "color": "Red",
            "name": "Faceplate QC",
            "note": "mouth smears",  # 86428
            "duration": 2,
            "customData": "faceplate:86428-86429",
        }
    }  # - 86400
    assert messages == [] and not resolve.calls("ImportTimelineFromFile")


def test_flags_sharing_a_start_frame_become_one_marker_and_a_newer_version_disables_the_earlier_clip():
    resolve = ResolveStandIn(version=(19, 1, 0), start=86400)
    v001 = layer_for(resolve, flags=(Flag(FrameSpan(1010, 1011), "mouth smears"),))
    ResolveAdapter(resolve).place(v001)
    v002 = layer_for(
        resolve,
        flags=(
            Flag(FrameSpan(1020, 1021), "flicker"),
            Flag(FrameSpan(1020, 1025), "seam"),
            Flag(FrameSpan(1030, 1030), "pose"),
        ),
    )
    v002 = dataclasses.replace(v002, layer_pattern="/shots/sh010/render/v002/layer/faceplate.####.exr")
    messages = []
    ResolveAdapter(resolve, report=messages.append).place(v002)
    [earlier], [placed] = resolve.timeline.tracks[2], resolve.timeline.tracks[3]
    assert (earlier.GetClipEnabled(), placed.GetClipEnabled()) == (False, True), "v001 kept, disabled, under v002"
    assert (earlier.GetStart(), earlier.GetDuration()) == (placed.GetStart(), placed.GetDuration()) == (86424, 40)
    assert placed.GetMediaPoolItem().GetClipProperty("File Path") == "/shots/sh010/render/v002/layer/faceplate.%04d.exr"
    markers = resolve.timeline.GetMarkers()  # 1020 is record 86438, timeline frame 38 (GetMarkers: keyed by frame)
    assert {f: (m["note"], m["duration"]) for f, m in markers.items()} == {38: ("flicker; seam", 6), 48: ("pose", 1)}
    assert resolve.calls("DeleteMarkerAtFrame") == [(28,)], "v001's marker goes with it"
    assert messages == []


def fallback_written(tmp_path):
    written = []

    def write_otio(placement):
        written.append(placement)
        path = tmp_path / f"{placement.shot}.otio"
        path.write_text("{}")
        return str(path)

    return written, write_otio


@pytest.mark.parametrize(
    "setup, why",
    [
        (lambda r: setattr(r.project.pool, "fail_append", True), "AppendToTimeline returned no clip"),
        (lambda r: setattr(r.project.pool, "fail_import", True), "Resolve did not import /shots/sh010/render/layer"),
        (lambda r: setattr(r.timeline, "refuse_tracks", True), "Resolve did not add a video track"),
        (
            lambda r: setattr(r.project.pool, "ignore_record_frame", True),
            "Resolve put the layer at 86400 for 40 frames on video 2, not at 86424 for 40 frames on video 2",
        ),
    ],
)
def test_when_resolve_does_not_place_it_exactly_the_otio_timeline_is_imported(tmp_path, setup, why):
    resolve = ResolveStandIn(version=(19, 1, 0), start=86400)
    placement = layer_for(resolve)
    setup(resolve)
    written, write_otio = fallback_written(tmp_path)
    messages = []
    ResolveAdapter(resolve, write_otio=write_otio, report=messages.append).place(placement)
    assert written == [placement]
    assert resolve.calls("ImportTimelineFromFile") == [
        (str(tmp_path / "sh010.otio"), {"timelineName": "Edit v3 faceplate sh010"})
    ]
    assert len(messages) == 1 and messages[0].startswith(f"Faceplate: {why}")
    assert "; the layer is in the new timeline 'Edit v3 faceplate sh010' imported from" in messages[0]
    assert resolve.timeline.tracks.get(2, []) == []  # a misplaced clip is taken away again


def test_resolve_before_18_5_gets_the_otio_timeline(tmp_path):
    resolve = ResolveStandIn(version=(18, 1, 4), start=86400)
    placement = layer_for(resolve)
    written, write_otio = fallback_written(tmp_path)
    messages = []
    ResolveAdapter(resolve, write_otio=write_otio, report=messages.append).place(placement)
    assert not resolve.calls("AppendToTimeline") and not resolve.calls("ImportMedia")
    assert messages[0].startswith("Faceplate: Resolve 18.1 cannot place a clip at a record frame (18.5 or later can)")


def test_a_failed_fallback_says_what_to_do_by_hand(tmp_path):
    resolve = ResolveStandIn(version=(19, 1, 0))
    placement = layer_for(resolve)
    resolve.project.pool.fail_append = True
    resolve.project.pool.ImportTimelineFromFile = lambda path, options=None: None
    written, write_otio = fallback_written(tmp_path)
    with pytest.raises(
        ShotError,
        match=r"AppendToTimeline returned no clip, and Resolve did not import .*sh010.otio: "
        r"import it by hand \(File > Import > Timeline\)",
    ):
        ResolveAdapter(resolve, write_otio=write_otio).place(placement)


def test_paths_and_timecode():
    assert media_pattern("/p/plate.[0990-1100].dpx", "c") == ("/p/plate.####.dpx", 990)
    assert media_pattern("/p/clip.mov", "c") == ("/p/clip.mov", None)
    assert printf_pattern("/p/faceplate.####.exr") == "/p/faceplate.%04d.exr"
    assert timecode(86400, Fraction(24)) == "01:00:00:00"
    assert timecode(107892, Fraction(30000, 1001), drop_frame=True) == "01:00:00;00"
    assert timecode(1800, Fraction(30000, 1001), drop_frame=True) == "00:01:00;02"


def test_select_moves_the_playhead_to_the_shot():
    resolve = ResolveStandIn(start=86400)
    resolve.timeline.current = resolve.clip("sh010", SEQUENCE, start=86424, duration=40, left_offset=5)
    adapter = ResolveAdapter(resolve)
    adapter.select(adapter.collect()[0])
    assert resolve.calls("SetCurrentTimecode") == [("01:00:01:00",)]


def test_the_fallback_timeline_holds_the_layer_at_the_record_frames(tmp_path):
    import opentimelineio as otio

    resolve = ResolveStandIn(version=(18, 1, 4), start=86400)
    resolve.timeline.current = resolve.clip("sh010", SEQUENCE, start=86424, duration=40, left_offset=5)
    shot = ResolveAdapter(resolve).collect()[0]
    layers = tmp_path / "render" / "layer"
    layers.mkdir(parents=True)
    placement = place_layer(shot, str(layers / "faceplate.####.exr"), FrameSpan(1000, 1051))
    ResolveAdapter(resolve, report=lambda line: None).place(placement)  # the shared OTIO writer, for real
    [(path, options)] = resolve.calls("ImportTimelineFromFile")
    assert path == str(tmp_path / "render" / "sh010.faceplate.otio")
    written = otio.adapters.read_from_file(path)
    assert written.global_start_time.to_frames() == 86400
    [track] = written.video_tracks()
    [clip] = [c for c in track if isinstance(c, otio.schema.Clip)]
    placed = clip.range_in_parent()
    assert (86400 + placed.start_time.to_frames(), placed.duration.to_frames()) == (86424, 40)
    assert clip.source_range.start_time.to_frames() == 1006  # layer frame 1006 = plate frame 1006


def test_resolve_comes_from_the_scripts_globals_or_says_how_to_reach_it(monkeypatch):
    import sys

    injected = ResolveStandIn()
    assert get_resolve({"resolve": injected}) is injected  # Workspace > Scripts puts `resolve` in the globals
    import types

    module = types.ModuleType(
        "DaVinciResolveScript"
    )  # the README's module: scriptapp("Resolve"), None when not running
    module.scriptapp = lambda app: injected if app == "Resolve" else None
    monkeypatch.setitem(sys.modules, "DaVinciResolveScript", module)
    assert get_resolve({}) is injected
    module.scriptapp = lambda app: None
    with pytest.raises(ShotError, match=r"DaVinci Resolve is not running, or external scripting is off"):
        get_resolve({})
    monkeypatch.setitem(sys.modules, "DaVinciResolveScript", None)  # outside Resolve: the module is not there
    with pytest.raises(ShotError, match=r"cannot reach DaVinci Resolve: run this from Workspace > Scripts"):
        get_resolve({})


def test_faceplate_follow_leaves_a_job_of_another_timeline_and_says_which(tmp_path):
    """Re-attach only places on the timeline a job was sent from: another timeline's job is named, not followed
    (no engine is reached), and stays remembered for when that timeline is open."""
    from faceplate_host.client import EngineClient
    from faceplate_host.hosts.follow import unplaced
    from faceplate_host.hosts.resolve.reattach import follow_unfinished, records_file, remember_jobs
    from faceplate_host.jobs import ShotJob
    from faceplate_host.shots import Shot

    resolve = ResolveStandIn(version=(19, 1, 0), start=86400, rate="24")
    adapter = ResolveAdapter(resolve)
    nowhere = EngineClient("http://127.0.0.1:9", token="unused")  # a refused port: any request would fail
    assert follow_unfinished(adapter, nowhere, {}, str(tmp_path)) == [
        "Faceplate: no job of this project is waiting to be placed: send a clip first (Workspace > Scripts > Faceplate)"
    ]
    shot = Shot("sh020", SEQUENCE, FrameSpan(1001, 1010), FrameSpan(90000, 90009), Fraction(24), timeline="Reel 2")
    remember_jobs(adapter, str(tmp_path), [ShotJob(shot, "job-7", str(tmp_path / "sh020_90000"))])
    assert follow_unfinished(adapter, nowhere, {}, str(tmp_path)) == [
        "Faceplate: sh020: engine job job-7 was sent from the timeline 'Reel 2'; open that timeline and run "
        "Faceplate Follow again"
    ]
    records = records_file(adapter, str(tmp_path))
    assert records == tmp_path / "resolve_projects" / f"{resolve.project.GetUniqueId()}.json"
    assert [job.job_id for job in unplaced(records.read_text())] == ["job-7"]
    assert not resolve.calls("ImportMedia") and not resolve.calls("AddTrack")
