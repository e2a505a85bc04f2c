"""The pyblish publish end to end: an OTIO cut around a real talking-head clip, a real engine on loopback,
the layer rendered and placed on a new track; a failing validation stops before anything is submitted."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import opentimelineio as otio
import pyblish.api
import pytest
from test_timeline import RT, TR, sequence

from faceplate_host.otio_adapter import OtioFileAdapter
from faceplate_host.publishing import PLUGIN_PATH, PublishOptions, failures, publish, register
from faceplate_host.shots import FrameSpan
from faceplate_host.timeline import ClipSelection, read_timeline, record_start, timeline_rate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from server_helpers import QUICK_SETTINGS, free_port, start_engine  # noqa: E402

CLIP = "talking_heads/grid_bbaf2n.mpg"  # 75 frames, 25 fps, 360x288
SOURCE = "talking_heads/grid_brbk7n.mpg"
SETTINGS = QUICK_SETTINGS | {"extract": QUICK_SETTINGS["extract"] | {"source_step": 8}}


def cut_around(movie: Path, folder: Path, first: int = 20, count: int = 4) -> Path:
    """A 01:00:00:00 cut at 25 fps: 10 frames of gap, then the movie's frames first..first+count-1 marked FACE,
    on a track below an unmarked clip's track (so the layer track must go above both)."""
    rate = 25.0
    reference = otio.schema.ExternalReference(target_url=movie.as_uri(), available_range=TR(RT(0, rate), RT(75, rate)))
    marked = otio.schema.Clip(
        name="sh010", media_reference=reference, source_range=TR(RT(first, rate), RT(count, rate))
    )
    marked.markers.append(
        otio.schema.Marker(
            name="FACE", marked_range=TR(RT(first, rate), RT(1, rate)), color=otio.schema.MarkerColor.GREEN
        )
    )
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    track.append(otio.schema.Gap(source_range=TR(RT(0, rate), RT(10, rate))))
    track.append(marked)
    other = otio.schema.Track(name="V2", kind=otio.schema.TrackKind.Video)
    other.append(
        otio.schema.Clip(name="title", media_reference=reference.deepcopy(), source_range=TR(RT(0, rate), RT(30, rate)))
    )
    timeline = otio.schema.Timeline(name="cut", global_start_time=RT(86400, rate))
    timeline.tracks.append(track)
    timeline.tracks.append(other)
    path = folder / "cut.otio"
    otio.adapters.write_to_file(timeline, str(path))
    return path


@pytest.fixture
def engine(tmp_path, test_data):
    started = start_engine([tmp_path, test_data / "talking_heads"], tmp_path / "data", free_port())
    yield started
    started.stop()


def options_for(engine, tmp_path, test_data, **changes) -> PublishOptions:
    base = dict(
        sources=[str(test_data / SOURCE)],
        consent_ref="release 2026-114 (test)",
        shots_dir=str(tmp_path / "shots"),
        engine_url=engine.url,
        token_file=str(engine.data / "token"),
        settings=SETTINGS,
        poll_s=0.2,
    )
    base.update(changes)
    return PublishOptions(**base)


@pytest.mark.slow
def test_publish_renders_the_layer_and_places_it_at_the_clip_record_frames(engine, tmp_path, test_data):
    cut = cut_around(test_data / CLIP, tmp_path)
    adapter = OtioFileAdapter(cut, tmp_path / "cut_with_layers.otio", ClipSelection(marker="FACE"))
    context = publish(adapter, options_for(engine, tmp_path, test_data))
    assert failures(context) == []

    (instance,) = list(context)
    placement = instance.data["placement"]
    assert placement.record == FrameSpan(86410, 86413) and placement.layer_in == 1021
    rendered = [Path(placement.layer_pattern).parent / Path(f).name for f in placement.files()]
    assert all(p.is_file() for p in rendered), rendered
    assert [p.name.split(".")[-2] for p in rendered] == ["1021", "1022", "1023", "1024"]

    written = read_timeline(tmp_path / "cut_with_layers.otio")
    assert [t.name for t in written.tracks] == ["V1", "V2", "faceplate"]
    (layer,) = written.tracks[2].find_clips()
    assert layer.metadata["faceplate"]["job"] == instance.data["job"].job_id
    rate = timeline_rate(written)
    shown = []
    for record in range(86410, 86414):
        media_time = written.tracks.transformed_time(RT(record - record_start(written, rate), rate), layer)
        frame = layer.media_reference.frame_for_time(media_time)
        shown.append(layer.media_reference.target_url_for_image_number(frame - layer.media_reference.start_frame))
    assert shown == [str(p) for p in rendered]

    # QC ran in the job; each flagged plate range is a marker on the layer at its record frames (layer 1021 = 86410)
    qc = json.loads((Path(instance.data["job"].workspace) / "qc" / "v001" / "qc.json").read_text())
    expected = sorted(
        (f"{max(f['first'], 1021) - 1021 + 86410}-{min(f['last'], 1024) - 1021 + 86410}", f["reason"])
        for f in qc["flags"]
        if f["last"] >= 1021 and f["first"] <= 1024
    )
    assert expected, "a few-iteration swap is not recognised as the source: QC flags it"
    assert sorted((m.metadata["faceplate"]["record"], m.comment) for m in layer.markers) == expected


def test_failed_validation_stops_before_submission_naming_clip_and_fix(tmp_path, test_data):
    """No consent reference and a source that is not there: two validators fail, Extract never runs, the
    engine (never started here) is asked nothing."""
    cut = cut_around(test_data / CLIP, tmp_path)
    adapter = OtioFileAdapter(cut, tmp_path / "out.otio", ClipSelection(marker="FACE"))
    options = PublishOptions(
        sources=[str(tmp_path / "no_actor.mov")],
        consent_ref="",
        shots_dir=str(tmp_path / "shots"),
        engine_url=f"http://127.0.0.1:{free_port()}",
        token="x",
    )
    context = publish(adapter, options)
    lines = failures(context)
    consent = next(line for line in lines if line.startswith("Consent reference given"))
    assert "'sh010'" in consent and "enter the performer's consent" in consent
    source = next(line for line in lines if line.startswith("Source identity chosen"))
    assert "'sh010'" in source and "no_actor.mov does not exist; choose the source again" in source
    engine = next(line for line in lines if line.startswith("Engine reachable"))
    assert "no Faceplate engine answers" in engine and "faceplate serve --roots" in engine
    ran = {r["plugin"].__name__ for r in context.data["results"]}
    assert "ExtractSubmitShots" not in ran and "IntegrateLayer" not in ran
    assert "job" not in list(context)[0].data
    assert not (tmp_path / "shots").exists() and not (tmp_path / "out.otio").exists()


def test_retimed_clip_fails_validation_naming_it(tmp_path, test_data):
    cut = cut_around(test_data / CLIP, tmp_path)
    timeline = otio.adapters.read_from_file(str(cut))
    timeline.tracks[0][1].effects.append(otio.schema.LinearTimeWarp(time_scalar=2.0))
    otio.adapters.write_to_file(timeline, str(cut))
    context = publish(
        OtioFileAdapter(cut, tmp_path / "out.otio", ClipSelection(marker="FACE")),
        PublishOptions(sources=[str(test_data / SOURCE)], consent_ref="r", shots_dir=str(tmp_path)),
    )
    (line,) = [f for f in failures(context) if f.startswith("Clips can be swapped")]
    assert "clip 'sh010': has a speed change (2x)" in line and "flatten the speed change" in line


def test_media_validators_name_missing_frames_and_rate(tmp_path):
    """A sequence with a hole, at 24 fps on a 23.976 timeline (frame for frame, but not the same rate)."""
    plates = tmp_path / "plates"
    plates.mkdir()
    for frame in (1001, 1002, 1004):
        (plates / f"p.{frame:04d}.exr").write_bytes(b"x")
    reference = sequence(duration=4, available_start=0, folder=str(plates) + "/", prefix="p.")
    clip = otio.schema.Clip(name="holey", media_reference=reference, source_range=TR(RT(0, 24), RT(4, 24)))
    track = otio.schema.Track(name="V1")
    track.append(clip)
    timeline = otio.schema.Timeline(name="cut", global_start_time=RT(0, 24000 / 1001))
    timeline.tracks.append(track)
    cut = tmp_path / "cut.otio"
    otio.adapters.write_to_file(timeline, str(cut))
    register("otio")
    validators = [
        p
        for p in pyblish.api.discover(paths=[PLUGIN_PATH])
        if p.__name__
        in ("CollectFaceplateShots", "ValidateNoMissingFrames", "ValidateFrameRate", "ValidateRangeInMedia")
    ]
    context = publish(
        OtioFileAdapter(cut, tmp_path / "out.otio", ClipSelection(handles=1)), PublishOptions(), plugins=validators
    )
    lines = failures(context)
    assert any(
        "clip 'holey': 3 of frames 1000-1005 missing or unreadable" in line and "(1000, 1003, 1005)" in line
        for line in lines
    )
    assert any("clip 'holey': media at 24.000 fps on a 23.976 fps timeline; conform" in line for line in lines)
    assert any(
        "clip 'holey': with 1 handles it needs frames 1000-1005" in line and "lower the handles to 0" in line
        for line in lines
    )


@pytest.mark.slow
def test_cancel_stops_the_jobs_and_nothing_is_placed(engine, tmp_path, test_data):
    """The artist pressed cancel: the engine is asked to stop the job; the publish fails naming the clip."""
    cut = cut_around(test_data / CLIP, tmp_path)
    options = options_for(engine, tmp_path, test_data)
    options.cancel.set()  # pressed before the wait starts: the first thing the wait does is cancel
    context = publish(OtioFileAdapter(cut, tmp_path / "out.otio", ClipSelection(marker="FACE")), options)
    wait = next(line for line in failures(context) if line.startswith("Wait for the rendered layer"))
    assert "clip 'sh010': engine job" in wait and "was cancelled; submit again to resume" in wait
    job = list(context)[0].data["job"]
    assert engine.client.job(job.job_id)["status"] == "cancelled"
    place = next(line for line in failures(context) if line.startswith("Place the layer"))
    assert "clip 'sh010': nothing placed, its engine job did not finish" in place
    assert not (tmp_path / "out.otio").exists()
