"""OpenTimelineIO timelines to shots and back: reading every real editorial file, frame maths through
OTIO, and the layer track written back at exactly the clip's record frames."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from faceplate_host.shots import Flag, FrameSpan, Shot, ShotError, frame_path, place_layer
from faceplate_host.timeline import (
    ClipSelection,
    TimelineError,
    choose_clips,
    read_timeline,
    record_span,
    record_start,
    shot_from_clip,
    shots_from_timeline,
    timeline_rate,
    video_clips,
    write_layers,
)

RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange
NEWER_SCHEMA = "otio_screening_example.marker3_otio0.19dev.otio"


def editorial_files() -> list[str]:
    import os

    root = os.environ.get("FACEPLATE_TEST_DATA")
    if not root or not (Path(root) / "editorial").is_dir():
        return []
    return sorted(p.name for p in (Path(root) / "editorial").glob("*.otio"))


@pytest.fixture
def editorial(test_data) -> Path:
    return test_data / "editorial"


# --- timelines built here: each case the maths must get right ---------------------------------
def movie(url="/media/a.mov", start=0, duration=500, rate=24.0):
    return otio.schema.ExternalReference(target_url=url, available_range=TR(RT(start, rate), RT(duration, rate)))


def sequence(start_frame=1001, duration=200, rate=24.0, available_start=None, folder="/plates/sh010/", prefix="sh010."):
    """``folder/prefix####.exr`` from ``start_frame``."""
    available_start = start_frame if available_start is None else available_start
    return otio.schema.ImageSequenceReference(
        target_url_base=folder,
        name_prefix=prefix,
        name_suffix=".exr",
        start_frame=start_frame,
        frame_zero_padding=4,
        rate=rate,
        available_range=TR(RT(available_start, rate), RT(duration, rate)),
    )


def timeline_of(*items, start=None, rate=24.0, name="V1"):
    track = otio.schema.Track(name=name, kind=otio.schema.TrackKind.Video)
    for item in items:
        track.append(item)
    timeline = otio.schema.Timeline(name="cut", global_start_time=RT(start, rate) if start is not None else None)
    timeline.tracks.append(track)
    return timeline


def clip(name, reference, first, count, rate=24.0, markers=(), effects=()):
    made = otio.schema.Clip(name=name, media_reference=reference, source_range=TR(RT(first, rate), RT(count, rate)))
    for marker in markers:
        made.markers.append(marker)
    for effect in effects:
        made.effects.append(effect)
    return made


def gap(count, rate=24.0):
    return otio.schema.Gap(source_range=TR(RT(0, rate), RT(count, rate)))


def face_marker(name="FACE", colour=otio.schema.MarkerColor.GREEN):
    return otio.schema.Marker(name=name, marked_range=TR(RT(0, 24), RT(1, 24)), color=colour)


def test_movie_clip_on_a_01_00_00_00_timeline_with_a_source_offset():
    # The movie's timecode starts at 3600 s (86400 frames); the clip uses media frames 48-57 from its start.
    timeline = timeline_of(gap(100), clip("sh010", movie(start=86400), 86448, 10, markers=[face_marker()]), start=86400)
    (shot,) = shots_from_timeline(timeline, ClipSelection(marker="FACE"))
    assert (shot.record, shot.source, shot.first_frame) == (FrameSpan(86500, 86509), FrameSpan(1049, 1058), 1001)
    assert shot.media == "/media/a.mov" and shot.rate == Fraction(24) and shot.track == "V1"


def test_image_sequence_numbers_come_from_its_start_frame():
    # Available range starts at time 0; frame 0 of the media is file 1001; the clip starts 10 frames in.
    timeline = timeline_of(clip("sh020", sequence(start_frame=1001, available_start=0), 10, 5))
    (shot,) = shots_from_timeline(timeline)
    assert shot.media == "/plates/sh010/sh010.####.exr"
    assert (shot.source, shot.record, shot.first_frame) == (FrameSpan(1011, 1015), FrameSpan(0, 4), None)


def test_ntsc_rate_is_exact_and_timeline_rate_is_remembered():
    rate = 24000 / 1001
    timeline = timeline_of(clip("a", movie(rate=rate), 0, 48, rate=rate), start=86400, rate=rate)
    (shot,) = shots_from_timeline(timeline)
    assert shot.rate == Fraction(24000, 1001) and shot.metadata["timeline_rate"] == "24000/1001"
    assert shot.record == FrameSpan(86400, 86447)


def test_rate_zero_ranges_do_not_divide_by_zero():
    """Kdenlive writes media ranges with rate 0: the reader treats them as absent instead of dividing by 0."""
    reference = otio.schema.ExternalReference(target_url="/m/k.mp4", available_range=TR(RT(0, 0), RT(0, 0)))
    (shot,) = shots_from_timeline(timeline_of(clip("kden", reference, 12, 6)))
    assert (shot.source, shot.record) == (FrameSpan(1013, 1018), FrameSpan(0, 5))
    zero = otio.schema.Clip(name="zero", media_reference=movie(), source_range=TR(RT(0, 0), RT(0, 0)))
    with pytest.raises(ShotError, match="clip 'zero'.*rate 0"):
        shots_from_timeline(timeline_of(zero))


@pytest.mark.parametrize(
    "effect, words",
    [
        (otio.schema.LinearTimeWarp(time_scalar=2.0), "speed change \\(2x\\)"),
        (otio.schema.LinearTimeWarp(time_scalar=-1.0), "reverse"),
        (otio.schema.FreezeFrame(), "freeze frame"),
    ],
)
def test_retimed_and_reversed_clips_are_refused_naming_the_clip(effect, words):
    timeline = timeline_of(clip("fast one", movie(), 0, 10, effects=[effect]))
    with pytest.raises(ShotError, match=f"clip 'fast one'.*{words}.*flatten"):
        shots_from_timeline(timeline)


def test_a_1x_time_warp_is_no_retime():
    timeline = timeline_of(clip("steady", movie(), 0, 10, effects=[otio.schema.LinearTimeWarp(time_scalar=1.0)]))
    assert shots_from_timeline(timeline)[0].source == FrameSpan(1001, 1010)


def test_choose_by_marker_name_colour_track_and_clip_names():
    red = face_marker("note", otio.schema.MarkerColor.RED)
    timeline = timeline_of(
        clip("a", movie(), 0, 5, markers=[face_marker()]),
        clip("b", movie(), 5, 5, markers=[red]),
        clip("c", movie(), 10, 5),
    )
    names = lambda **how: [c.name for c in choose_clips(timeline, ClipSelection(**how))]  # noqa: E731
    assert names(marker="face") == ["a"]
    assert names(marker_colour="red") == ["b"]
    assert names(clips=["c", "a"]) == ["a", "c"]
    assert names(track="V1") == ["a", "b", "c"] and names(track="V9") == []
    # A marker on the track (record time) marks the clip under it.
    timeline.tracks[0].markers.append(otio.schema.Marker(name="FACE", marked_range=TR(RT(11, 24), RT(2, 24))))
    assert names(marker="FACE") == ["a", "c"]


def test_no_matching_clip_is_one_line_naming_the_file():
    with pytest.raises(TimelineError, match="cut.otio: no clip matches marker 'FACE'"):
        shots_from_timeline(timeline_of(clip("a", movie(), 0, 5)), ClipSelection(marker="FACE"), "cut.otio")


def test_relative_media_paths_resolve_against_the_timeline_folder(tmp_path):
    timeline = timeline_of(clip("a", otio.schema.ExternalReference(target_url="media/a.mov"), 0, 5))
    (shot,) = shots_from_timeline(timeline, source_path=str(tmp_path / "cut.otio"))
    assert shot.media == str(tmp_path / "media" / "a.mov")


@pytest.mark.parametrize("root_kind", ["Clip", "Track", "Stack", "SerializableCollection"])
def test_every_root_kind_reads_as_a_timeline(tmp_path, root_kind):
    made = clip("only", movie(), 24, 10)
    track = otio.schema.Track(name="V1")
    track.append(made)
    stack = otio.schema.Stack()
    stack.append(track)
    collection = otio.schema.SerializableCollection()
    collection.append(otio.schema.Timeline(name="cut", tracks=[track.deepcopy()]))
    root = {"Clip": made.deepcopy(), "Track": track.deepcopy(), "Stack": stack, "SerializableCollection": collection}[
        root_kind
    ]
    path = tmp_path / "root.otio"
    otio.adapters.write_to_file(root, str(path))
    (shot,) = shots_from_timeline(read_timeline(path))
    assert (shot.name, shot.source, shot.record) == ("only", FrameSpan(1025, 1034), FrameSpan(0, 9))


@pytest.mark.parametrize(
    "content, words",
    [
        (None, "no such timeline file"),
        ("{not json", "not a timeline OpenTimelineIO can read"),
    ],
)
def test_unreadable_files_are_one_line(tmp_path, content, words):
    path = tmp_path / "cut.otio"
    if content is not None:
        path.write_text(content)
    with pytest.raises(TimelineError, match=words) as caught:
        read_timeline(path)
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)


def test_newer_schema_fails_with_one_line_naming_file_and_schema(editorial):
    with pytest.raises(TimelineError) as caught:
        read_timeline(editorial / NEWER_SCHEMA)
    message = str(caught.value)
    assert "\n" not in message
    assert NEWER_SCHEMA in message and "Marker.3" in message and "UnsupportedSchemaError" in message


# --- the round trip on every real editorial file ------------------------------------------------
def placeable_shots(timeline, source_path) -> list[Shot]:
    """A shot for every clip that can be swapped; clips without media still get one (their record frames
    are what placement needs), so every file's layer track is tested."""
    shots = []
    for index, found in enumerate(video_clips(timeline)):
        try:
            shot = shot_from_clip(found, timeline, handles=3, source_path=source_path)
        except ShotError as refused:
            assert repr(found.name) in str(refused), str(refused)
            if "no media file" not in str(refused):
                continue  # retimed: refused, never placed
            record = record_span(found, timeline)
            shot = Shot(
                name=found.name,
                media="",
                source=FrameSpan(1001, 1000 + record.count),
                record=record,
                rate=Fraction(24),
                handles=3,
            )
        shots.append(shot.with_(metadata={"index": index}))
    return shots


def serialised_tracks(timeline) -> list[str]:
    return [otio.adapters.write_to_string(track, "otio_json") for track in timeline.tracks]


@pytest.mark.parametrize("name", editorial_files() or ["(FACEPLATE_TEST_DATA unset)"])
def test_round_trip_puts_each_layer_at_its_clip_record_frames(editorial, tmp_path, name):
    path = editorial / name
    if name == NEWER_SCHEMA:
        with pytest.raises(TimelineError, match="Marker.3"):
            read_timeline(path)
        return
    timeline = read_timeline(path)
    before = serialised_tracks(timeline)
    shots = placeable_shots(timeline, str(path))
    if not shots:  # every clip retimed (refused above, naming the clip): nothing to place
        assert all(c.effects for c in video_clips(timeline)), f"{name}: no clip to place"
        return
    placements = [
        place_layer(
            shot,
            str(tmp_path / "renders" / f"s{i}" / "faceplate.####.exr"),
            shot.render_span,
            flags=(Flag(FrameSpan(shot.source.first + 1, shot.source.first + 2), "eyes drift"),),
            metadata={"job": f"job{i}", "model": "tiny.onnx", "workspace": f"/shots/s{i}"},
        )
        for i, shot in enumerate(shots)
    ]
    out = write_layers(timeline, placements, tmp_path / "with_layers.otio")
    assert serialised_tracks(timeline) == before, "write_layers changed the caller's timeline"

    written = read_timeline(out)
    assert serialised_tracks(written)[: len(before)] == before, "an original track changed"
    layer_tracks = list(written.tracks)[len(before) :]
    assert layer_tracks and layer_tracks[0].name == "faceplate" and all(t.kind == "Video" for t in layer_tracks)
    layer_clips = {c.metadata["faceplate"]["layer"]: c for t in layer_tracks for c in t.find_clips()}
    assert len(layer_clips) == len(placements)
    rate, origin = timeline_rate(written), record_start(written, timeline_rate(written))
    for placement in placements:
        layer = layer_clips[placement.layer_pattern]
        assert layer.metadata["faceplate"]["job"] == placement.metadata["job"]
        assert record_span(layer, written) == placement.record
        reference = layer.media_reference
        assert isinstance(reference, otio.schema.ImageSequenceReference)
        shown = []
        for record in placement.record.frames():  # frame by frame, through OTIO's own maths
            media_time = written.tracks.transformed_time(RT(record - origin, rate), layer)
            frame = reference.frame_for_time(media_time)
            shown.append(reference.target_url_for_image_number(frame - reference.start_frame))
        assert shown == [
            frame_path(placement.layer_pattern, placement.layer_frame(r)) for r in placement.record.frames()
        ]
        assert shown == placement.files()
        (marker,) = layer.markers
        assert marker.comment == "eyes drift" and "eyes drift" in marker.name
        marked = written.tracks.transformed_time(RT(placement.record.first + 1 - origin, rate), layer)
        assert marker.marked_range.start_time.to_frames() == round(marked.value)


def test_placing_again_replaces_the_layer_track(tmp_path):
    timeline = timeline_of(gap(10), clip("a", movie(), 0, 5))
    (shot,) = shots_from_timeline(timeline)
    placement = place_layer(shot, "/r/faceplate.####.exr", shot.render_span)
    first = write_layers(timeline, [placement], tmp_path / "once.otio")
    again = write_layers(read_timeline(first), [placement], tmp_path / "twice.otio")
    written = read_timeline(again)  # held: OTIO frees a temporary timeline's tracks
    assert [t.name for t in written.tracks] == ["V1", "faceplate"]


def test_placing_a_newer_version_keeps_the_earlier_one_reachable_as_a_disabled_track(tmp_path):
    timeline = timeline_of(gap(10), clip("a", movie(), 0, 5))
    (shot,) = shots_from_timeline(timeline)
    v001 = place_layer(shot, "/sh/render/v001/layer/faceplate.####.exr", shot.render_span, metadata={"version": "v001"})
    v002 = place_layer(
        shot,
        "/sh/render/v002/layer/faceplate.####.exr",
        shot.render_span,
        metadata={"version": "v002", "earlier_versions": [{"version": "v001", "layer": v001.layer_pattern}]},
    )
    first = write_layers(timeline, [v001], tmp_path / "v001.otio")
    written = read_timeline(write_layers(read_timeline(first), [v002], tmp_path / "v002.otio"))
    assert [(t.name, t.enabled) for t in written.tracks] == [
        ("V1", True),
        ("faceplate v001", False),
        ("faceplate", True),
    ]
    (earlier,), (placed,) = (list(t.find_clips()) for t in written.tracks[1:])
    assert earlier.media_reference.target_url_base == "/sh/render/v001/layer/"
    assert placed.media_reference.target_url_base == "/sh/render/v002/layer/"
    assert record_span(earlier, written) == record_span(placed, written) == v002.record
    earlier_versions = [dict(v) for v in placed.metadata["faceplate"]["earlier_versions"]]
    assert earlier_versions == [{"version": "v001", "layer": v001.layer_pattern}]
    again = read_timeline(write_layers(written, [v002], tmp_path / "again.otio"))
    assert [(t.name, t.enabled) for t in again.tracks] == [
        ("V1", True),
        ("faceplate v001", False),
        ("faceplate", True),
    ], "placing v002 again stacks nothing"


def test_overlapping_layers_go_on_a_second_track(tmp_path):
    timeline = timeline_of(clip("a", movie(), 0, 10))
    lower = otio.schema.Track(name="V2")
    lower.append(clip("b", movie(), 0, 10))
    timeline.tracks.append(lower)
    placements = [place_layer(s, f"/r/{s.name}.####.exr", s.render_span) for s in shots_from_timeline(timeline)]
    written = read_timeline(write_layers(timeline, placements, tmp_path / "out.otio"))
    assert [t.name for t in written.tracks] == ["V1", "V2", "faceplate", "faceplate 2"]


def test_failed_write_leaves_the_earlier_file_whole(tmp_path):
    timeline = timeline_of(clip("a", movie(), 0, 5))
    (shot,) = shots_from_timeline(timeline)
    out = tmp_path / "cut.otio"
    out.write_text("earlier")
    with pytest.raises(ShotError, match="not a frame sequence pattern"):
        write_layers(timeline, [place_layer(shot, "/r/layer.mov", shot.render_span)], out)
    assert out.read_text() == "earlier" and sorted(p.name for p in tmp_path.iterdir()) == ["cut.otio"]


def test_written_file_is_plain_otio_json(tmp_path):
    timeline = timeline_of(clip("a", movie(), 0, 5))
    (shot,) = shots_from_timeline(timeline)
    out = write_layers(timeline, [place_layer(shot, "/r/f.%04d.exr", shot.render_span)], tmp_path / "o.otio")
    data = json.loads(out.read_text())
    layer = data["tracks"]["children"][-1]["children"][0]
    reference = layer["media_references"][layer["active_media_reference_key"]]
    assert (
        reference["target_url_base"],
        reference["name_prefix"],
        reference["name_suffix"],
        reference["frame_zero_padding"],
        reference["start_frame"],
    ) == ("/r/", "f.", ".exr", 4, 1001)


def test_qc_flags_from_the_engine_become_markers_on_the_layer(tmp_path):
    """The engine's artifacts carry QC flags (plate numbering); placement turns them into layer markers."""
    from faceplate_host.jobs import ShotJob, placement_for

    timeline = timeline_of(gap(10), clip("a", movie(), 0, 8), start=86400)
    (shot,) = shots_from_timeline(timeline)

    class Engine:  # the one call placement_for makes, answered as the engine's artifacts endpoint does
        url = "http://127.0.0.1:1"

        def artifacts(self, job_id):
            return {
                "workspace": "/shots/a",
                "onnx": {"path": "/shots/a/export/generator.onnx", "exists": True},
                "layer": {
                    "pattern": "/shots/a/render/layer/faceplate.####.exr",
                    "frame_range": "1001-1008",
                    "matte": {"path": "/shots/a/render/matte/matte.####.exr", "exists": True},
                },
                "qc": {"flags": [{"first": 1003, "last": 1004, "reason": "identity drifts"}, {"first": "bad"}]},
            }

    placement = placement_for(Engine(), ShotJob(shot, "job1", "/shots/a"))
    assert placement.metadata["model"] == "/shots/a/export/generator.onnx" and placement.metadata["job"] == "job1"
    written = read_timeline(write_layers(timeline, [placement], tmp_path / "o.otio"))
    (layer,) = written.tracks[1].find_clips()
    (marker,) = layer.markers
    assert marker.comment == "identity drifts" and marker.metadata["faceplate"]["record"] == "86412-86413"
