"""`faceplate farm export --timeline`: the clips of a real editorial cut (aaf_30fps.otio, written by Avid
through OTIO's AAF adapter: 01:00:00:00 at 30 fps, two clips of one movie) as one job, with and without
the identity step; bad clips refused at export with one line and no workspace made."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import opentimelineio as otio
import pytest
import yaml
from farm_helpers import example, faceplate, movie, openjd, relinked_cut, timeline_export

from faceplate.farm.template import farm_stages
from faceplate.workspace import open_workspace

CUT = "aaf_30fps.otio"
SHOTS = ["Frame_Debugger_0h_108000", "Frame_Debugger_0h_108026"]  # clip name + record frame, as the server names them


@pytest.fixture(scope="module")
def media(tmp_path_factory, test_data) -> dict:
    base = tmp_path_factory.mktemp("farm_timeline")
    return {
        "cut": test_data / "editorial" / CUT,
        "movie": movie(base / "Frame Debugger 0h.mov", 150),
        "short": movie(base / "short.mov", 100),
        "source": Path(example(base / "example")[1]).parent,
    }


def export_cut(cut: Path, out: Path, media: dict, *extra) -> subprocess.CompletedProcess:
    return faceplate(*timeline_export(cut, media["source"], out / "shots", "--out", out / "job", *extra))


def test_every_clip_of_a_real_cut_is_a_shot_of_one_job(tmp_path, media):
    cut = relinked_cut(media["cut"], media["movie"], tmp_path / "cut.otio")
    for identity in ([], ["--identity", tmp_path / "library"]):
        out = tmp_path / ("identity" if identity else "plain")
        done = export_cut(cut, out, media, *identity)
        assert done.returncode == 0, done.stderr
        template = out / "job" / "template.yaml"
        checked = openjd("check", template)
        assert checked.returncode == 0, checked.stdout
        steps = {s["name"]: s for s in yaml.safe_load(template.read_text())["steps"]}
        expected = [f"{shot}:{stage}" for shot in SHOTS for stage in ("media", *farm_stages())]
        assert list(steps) == (["identity"] if identity else []) + expected
        ranges = [steps[f"{shot}:render"]["parameterSpace"]["taskParameterDefinitions"][0]["range"] for shot in SHOTS]
        assert ranges == ["1001-1026", "1019-1150"], "the clips' source frames, first frame of the movie = 1001"
        for shot in SHOTS:
            workspace = open_workspace(out / "shots" / shot)
            assert workspace.manifest.consent_ref == "CF-1 (test)" and workspace.manifest.plate.fps == "30"
        values = json.loads((out / "job" / "parameters.json").read_text())
        assert values["Workspaces"] == str(out / "shots")
        if identity:
            assert values["Library"] == str(tmp_path / "library") and values["Source"] == str(media["source"])
            assert {"dependsOn": "identity"} in steps[f"{SHOTS[1]}:train"]["dependencies"]


def test_only_the_clips_with_the_marker_join_the_job(tmp_path, media):
    cut = relinked_cut(media["cut"], media["movie"], tmp_path / "cut.otio", marked=(1,))
    done = export_cut(cut, tmp_path, media, "--marker", "FACE")
    assert done.returncode == 0, done.stderr
    steps = [s["name"] for s in yaml.safe_load((tmp_path / "job" / "template.yaml").read_text())["steps"]]
    assert steps == ["media", *farm_stages()]
    assert [p.name for p in (tmp_path / "shots").iterdir()] == [SHOTS[1]]


def clip_without_range(folder: Path, media: dict) -> Path:
    timeline = otio.schema.Timeline(name="cut")
    track = otio.schema.Track(name="V1")
    track.append(
        otio.schema.Clip(
            name="sh040", media_reference=otio.schema.ExternalReference(target_url=media["movie"].as_uri())
        )
    )
    timeline.tracks.append(track)
    otio.adapters.write_to_file(timeline, str(folder / "norange.otio"))
    return folder / "norange.otio"


@pytest.mark.parametrize(
    "case, expected",
    [
        ("frames outside the media", "clip 'Frame Debugger 0h.mov': frames 1019-1150 are outside its media"),
        ("no clip marked", "no clip matches marker 'NOPE'"),
        ("clip without a range", "clip 'sh040': has no frame range"),
        ("clip without media", "clip 'test_title': has no media file (GeneratorReference)"),
    ],
)
def test_a_bad_clip_is_one_line_at_export_and_no_shot_is_made(tmp_path, media, case, expected):
    extra = []
    if case == "frames outside the media":  # the second clip needs frames up to 150; this movie has 100
        cut = relinked_cut(media["cut"], media["short"], tmp_path / "cut.otio")
    elif case == "no clip marked":
        cut, extra = relinked_cut(media["cut"], media["movie"], tmp_path / "cut.otio"), ["--marker", "NOPE"]
    elif case == "clip without a range":
        cut = clip_without_range(tmp_path, media)
    else:  # a real Premiere cut whose title clip is generated, not media
        cut = media["cut"].parent / "otio_premiere_example.otio"
    done = export_cut(cut, tmp_path, media, *extra)
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith("faceplate: error: ") and expected in line, line
    assert not (tmp_path / "shots").exists() and not (tmp_path / "job").exists()


@pytest.mark.parametrize(
    "elsewhere, url",
    [
        ("/Volumes/shows", "file:///Volumes/shows/Frame%20Debugger%200h.mov"),
        ("C:\\shows", "C:\\shows\\Frame Debugger 0h.mov"),
    ],
)
def test_a_cut_made_on_another_machine_is_exported_with_its_media_mapped(tmp_path, media, elsewhere, url):
    cut = relinked_cut(media["cut"], media["movie"], tmp_path / "cut.otio")
    timeline = otio.adapters.read_from_file(str(cut))
    for clip in timeline.find_clips():
        if isinstance(clip.media_reference, otio.schema.ExternalReference):
            clip.media_reference.target_url = url  # as the editor's machine wrote it
    otio.adapters.write_to_file(timeline, str(cut))
    here = media["movie"].parent
    source = elsewhere + ("\\" if "\\" in elsewhere else "/") + "example/source"
    unmapped = faceplate(
        *timeline_export(cut, media["source"], tmp_path / "unmapped", "--out", tmp_path / "unmapped_job")
    )
    assert unmapped.returncode == 1 and "Frame Debugger 0h.mov" in unmapped.stderr, unmapped.stderr
    done = faceplate(
        *timeline_export(cut, source, tmp_path / "shots", "--out", tmp_path / "job", "--map", f"{elsewhere}={here}")
    )
    assert done.returncode == 0, done.stderr
    for shot in SHOTS:
        manifest = open_workspace(tmp_path / "shots" / shot).manifest
        assert manifest.plate.path == str(media["movie"])
        assert [c.path for c in manifest.sources] in (
            [str(media["source"])],
            [str(media["source"] / "astronaut_src.####.png")],
        )
    template = (tmp_path / "job" / "template.yaml").read_text()
    assert openjd("check", tmp_path / "job" / "template.yaml").returncode == 0
    assert "Volumes" not in template and "C:" not in template and str(tmp_path) not in template, (
        "nothing absolute from either machine on a command line"
    )
    assert json.loads((tmp_path / "job" / "parameters.json").read_text())["Media"] == str(here)
