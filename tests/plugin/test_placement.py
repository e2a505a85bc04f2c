"""Placement is what the viewer sees, on timelines shaped the way editors export them: compound clips
(nested stacks with their own source range, as FCPX, Premiere and Resolve write them), nesting two deep,
audio inside a compound, clips lying beyond their parent's range, dissolves over handles. The expected
frames come from OTIO's own algorithms (``flatten_stack``, ``track_trimmed_to_range``, ``range_of_child``,
``visible_range``, ``transformed_time``), never from the reader under test."""

from __future__ import annotations

import json
import subprocess
import sys

import opentimelineio as otio
import pytest
from test_timeline import RT, TR, clip, gap, movie, sequence

from faceplate_host.shots import FrameSpan, Shot, ShotError, place_layer
from faceplate_host.timeline import (
    ClipSelection,
    describe,
    read_timeline,
    shots_and_refusals,
    shots_from_timeline,
    video_clips,
    write_layers,
)

FIRST = 1001  # plate number of a movie's frame 0 (DEFAULT_FIRST_FRAME)


def compound(name, items, start, count, audio=()):
    """A compound clip / nested sequence: a stack holding one video track (and an audio track), showing
    ``count`` frames of its content from ``start``."""
    video = otio.schema.Track(name=f"{name} V1", kind=otio.schema.TrackKind.Video)
    for item in items:
        video.append(item)
    stack = otio.schema.Stack(name=name, source_range=TR(RT(start, 24), RT(count, 24)))
    stack.append(video)
    if audio:
        sound = otio.schema.Track(name=f"{name} A1", kind=otio.schema.TrackKind.Audio)
        for item in audio:
            sound.append(item)
        stack.append(sound)
    return stack


def cut(*items):
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    for item in items:
        track.append(item)
    return otio.schema.Timeline(name="cut", tracks=[track])


def viewer_frames(timeline) -> dict:
    """{clip name: [(record frame, plate frame)]} of every frame the viewer shows, through OTIO's algorithms:
    each level's video tracks flattened, a nested stack trimmed to its source range, then walked."""
    shown: dict = {}
    _walk(otio.algorithms.flatten_stack([t for t in timeline.tracks if t.kind == "Video"]), 0, shown)
    return shown


def _walk(track, offset: int, shown: dict) -> None:
    for item in track:
        place = track.range_of_child(item)
        first = offset + place.start_time.to_frames()
        if isinstance(item, otio.schema.Stack):
            inner = otio.algorithms.flatten_stack([t for t in item if t.kind == "Video"])
            _walk(otio.algorithms.track_trimmed_to_range(inner, item.trimmed_range()), first, shown)
        elif isinstance(item, otio.schema.Clip):
            media = item.trimmed_range().start_time.to_frames()
            shown.setdefault(item.name, []).extend(
                (first + k, FIRST + media + k) for k in range(place.duration.to_frames())
            )


def shot_frames(shot) -> list:
    return list(zip(shot.record.frames(), shot.source.frames()))


def test_a_compound_clip_trimmed_by_its_parent_lists_only_what_it_shows():
    # FCPX / Resolve compound clip: content 0-60, the compound shows its frames 10-34 at record 5-29.
    inside = [clip("a", movie(), 100, 20), clip("b", movie(), 200, 20), clip("c", movie(), 300, 20)]
    timeline = cut(gap(5), compound("comp", inside, 10, 25, audio=[clip("dialogue", movie("/m/a.wav"), 0, 60)]))
    shots = shots_from_timeline(timeline)
    expected = viewer_frames(timeline)
    assert [s.name for s in shots] == sorted(expected) == ["a", "b"]  # c lies beyond the compound's range
    for shot in shots:
        assert shot_frames(shot) == expected[shot.name]
        assert shot.track == "V1"  # the timeline track the compound sits on
    assert (str(shots[0].record), str(shots[0].source)) == ("5-14", "1111-1120")


def test_audio_inside_a_compound_is_never_a_shot():
    sound = [clip("dialogue", movie("/m/a.wav"), 0, 30), clip("music", movie("/m/b.wav"), 0, 30)]
    timeline = cut(compound("comp", [clip("picture", movie(), 0, 30)], 0, 30, audio=sound))
    assert [c.name for c in video_clips(timeline)] == ["picture"]
    shots, refused = shots_and_refusals(timeline)
    assert [s.name for s in shots] == ["picture"] and not refused


def test_a_stack_nested_two_deep_shows_the_part_both_parents_keep(tmp_path):
    # Premiere: a nested sequence inside a nested sequence, each trimmed by its own source range.
    deepest = compound("inner", [gap(3), clip("deep", movie(), 500, 40)], 10, 20)  # shows deep 507-526
    middle = compound("outer", [clip("lead", movie(), 50, 8), deepest, clip("tail", movie(), 80, 10)], 12, 14)
    timeline = cut(clip("before", movie(), 0, 6), middle, clip("after", movie(), 900, 4))
    shots = {s.name: s for s in shots_from_timeline(timeline)}
    expected = viewer_frames(timeline)
    assert sorted(shots) == sorted(expected) == ["after", "before", "deep"]  # lead and tail are trimmed away
    for name, shot in shots.items():
        assert shot_frames(shot) == expected[name], name
    assert (str(shots["deep"].record), str(shots["deep"].source)) == ("6-19", "1512-1525")
    placements = [place_layer(s, str(tmp_path / n / "faceplate.####.exr"), s.render_span) for n, s in shots.items()]
    written = read_timeline(write_layers(timeline, placements, tmp_path / "out.otio"))
    layers = {c.name: c for c in written.tracks[-1].find_clips()}
    for name, frames in expected.items():  # the layer shows, on each record frame, the plate frame seen there
        assert [(r, layer_frame(written, r, layers[name])) for r, _ in frames] == frames, name


def test_a_clip_partly_or_wholly_beyond_its_parents_range():
    partly = compound("comp", [clip("edge", movie(), 40, 10), clip("gone", movie(), 60, 10)], 5, 4)
    timeline = cut(partly, clip("next", movie(), 0, 5))
    shots = {s.name: s for s in shots_from_timeline(timeline)}
    assert sorted(shots) == ["edge", "next"]
    assert shot_frames(shots["edge"]) == viewer_frames(timeline)["edge"] == [(0, 1046), (1, 1047), (2, 1048), (3, 1049)]
    with pytest.raises(ShotError, match="no clip matches clips \\['gone'\\]"):
        shots_from_timeline(timeline, ClipSelection(clips=["gone"]))


def dissolve_cut(in_offset=4, out_offset=6):
    transition = otio.schema.Transition(
        transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
        in_offset=RT(in_offset, 24),
        out_offset=RT(out_offset, 24),
    )
    return cut(gap(10), clip("A", movie(), 100, 20), transition, clip("B", movie(), 200, 20), gap(10))


def shown_on_record(item, timeline) -> tuple[int, int]:
    """First and last record frame OTIO shows of ``item``: its visible range (dissolves included) in the stack."""
    visible = item.visible_range()
    start = item.transformed_time(visible.start_time, timeline.tracks).to_frames()
    return start, start + visible.duration.to_frames() - 1


def plate_frame(timeline, record: int, item) -> int:
    return FIRST + timeline.tracks.transformed_time(RT(record, 24), item).to_frames()


def layer_frame(written, record: int, layer) -> int:
    reference = layer.media_reference
    return reference.frame_for_time(written.tracks.transformed_time(RT(record, 24), layer))


@pytest.mark.parametrize("marked", [["A", "B"], ["A"], ["B"]])
def test_a_dissolve_over_handles_shows_the_new_face_on_every_frame_it_shows(tmp_path, marked):
    timeline = dissolve_cut()
    shots = shots_from_timeline(timeline, ClipSelection(clips=marked, handles=2))
    by_name = {s.name: s for s in shots}
    if "A" in by_name:
        assert by_name["A"].dissolve_out == (4, 6) and by_name["A"].render_span == FrameSpan(1099, 1126)
    if "B" in by_name:
        assert by_name["B"].dissolve_in == (4, 6) and by_name["B"].render_span == FrameSpan(1197, 1222)
    placements = [place_layer(s, str(tmp_path / s.name / "faceplate.####.exr"), s.render_span) for s in shots]
    written = read_timeline(write_layers(timeline, placements, tmp_path / "out.otio"))
    assert [t.name for t in written.tracks] == ["V1", "faceplate"]  # one dissolve, one track
    plates = {c.name: c for c in written.tracks[0].find_clips()}
    for layer in written.tracks[1].find_clips():
        plate = plates[layer.name]
        first, last = shown_on_record(plate, written)
        assert shown_on_record(layer, written) == (first, last)  # the handle frames the dissolve shows too
        assert [layer_frame(written, r, layer) for r in range(first, last + 1)] == [
            plate_frame(written, r, plate) for r in range(first, last + 1)
        ]
    (transitions,) = [[t for t in written.tracks[1] if isinstance(t, otio.schema.Transition)]]
    assert [(t.in_offset.to_frames(), t.out_offset.to_frames()) for t in transitions] == [(4, 6)]


def test_the_dissolves_travel_with_the_shot_through_the_jobs_file():
    (shot,) = shots_from_timeline(dissolve_cut(), ClipSelection(clips=["B"]))
    again = Shot.from_dict(json.loads(json.dumps(shot.to_dict())))
    assert again == shot and again.dissolve_in == (4, 6) and again.render_span == shot.render_span
    assert "dissolve in 4+6" in describe(shot)


def test_a_dissolve_wider_than_the_layer_is_refused_naming_the_frames():
    (shot,) = shots_from_timeline(dissolve_cut(), ClipSelection(clips=["B"]))
    with pytest.raises(ShotError, match="clip 'B': the layer has frames 1201-1220 but the clip needs 1197-1220"):
        place_layer(shot, "/r/faceplate.####.exr", shot.source)


@pytest.mark.parametrize(
    "reference, words",
    [
        (otio.schema.ExternalReference(target_url="/stills/poster.png"), "/stills/poster.png is a still image"),
        (sequence(duration=1, available_start=0, folder="/s/", prefix="hold."), "still image held for 12 frames"),
    ],
)
def test_held_stills_are_refused_with_one_line(reference, words):
    timeline = cut(clip("title card", reference, 0, 12))
    with pytest.raises(ShotError, match=f"clip 'title card': .*{words}") as caught:
        shots_from_timeline(timeline)
    assert "\n" not in str(caught.value)


def faceplate_otio(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "faceplate_host.otio_cli", *map(str, args)], capture_output=True, text=True, timeout=60
    )


def test_shots_refuses_a_still_and_chooses_a_timeline_by_name(tmp_path):
    collection = otio.schema.SerializableCollection(name="reels")
    for name, item in (("reel 1", clip("face", movie(), 0, 10)), ("reel 2", clip("card", movie("/s/card.jpg"), 0, 10))):
        timeline = cut(item)
        timeline.name = name
        collection.append(timeline)
    path = tmp_path / "reels.otio"
    otio.adapters.write_to_file(collection, str(path))

    several = faceplate_otio("shots", path)
    assert several.returncode == 1 and several.stdout == ""
    assert several.stderr.strip() == (
        f"faceplate-otio: error: {path}: holds 2 timelines ('reel 1', 'reel 2'); "
        f"choose one by name (faceplate-otio --timeline NAME)"
    )
    first = faceplate_otio("shots", path, "--timeline", "reel 1", "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["source"] == "1001-1010" and json.loads(first.stdout)["name"] == "face"
    still = faceplate_otio("shots", path, "--timeline", "reel 2")
    assert still.returncode == 1 and still.stdout == "" and len(still.stderr.splitlines()) == 1
    assert "refused: clip 'card': its media /s/card.jpg is a still image" in still.stderr
    unknown = faceplate_otio("shots", path, "--timeline", "reel 9")
    assert "holds no timeline called 'reel 9' (it holds 'reel 1', 'reel 2')" in unknown.stderr
