"""Media recorded on another machine, mapped on a node by the session's OpenJD path mapping rules (`openjd run
--path-mapping-rules`): a shot and an identity library whose manifests name `/Volumes/...` (where the artist's Mac
saw the media) run on this machine, where the rules say the media are. Without the rules the same steps fail with
one line naming the unmapped path, so it is the engine's mapping of what the manifest records (no relink step runs
first) that finds the media."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from farm_helpers import (
    NODE_INSTALL,
    TINY,
    engine_file,
    example,
    export,
    fresh_node,
    openjd_on,
    run_job,
    timeline_export,
    tiny_library,
    tiny_shot,
)
from test_farm_export import faceplate

from faceplate import __version__
from faceplate.faces.faceset import read_faceset
from faceplate.farm.local import failure_line, remember_settings
from faceplate.farm.template import Identity, farm_stages
from faceplate.render.versions import latest_version
from faceplate.workspace import open_workspace

pytestmark = pytest.mark.slow
ELSEWHERE = "/Volumes/faceplate-test"  # the exporting machine's mount: nothing is there on this one


def as_made_elsewhere(workspace: Path, here: Path) -> None:
    """The manifest as the artist's Mac wrote it, its media under ``ELSEWHERE`` (the test plays that machine)."""
    manifest = workspace / "faceplate.json"
    manifest.write_text(manifest.read_text().replace(str(here), ELSEWHERE))


def rules_file(folder: Path, here: Path) -> Path:
    """What a scheduler hands the session: ``ELSEWHERE`` is ``here`` on this node."""
    rules = {
        "version": "pathmapping-1.0",
        "path_mapping_rules": [
            {"source_path_format": "POSIX", "source_path": ELSEWHERE, "destination_path": str(here)}
        ],
    }
    path = folder / "rules.json"
    path.write_text(json.dumps(rules))
    return path


@pytest.fixture
def shows(tmp_path) -> tuple[Path, tuple[str, str]]:
    """The example's media under ``shows/`` (the folder ``ELSEWHERE`` stands for)."""
    here = tmp_path / "shows"
    return here, example(here / "example")


def test_a_shot_made_on_another_machine_finds_its_media_through_the_sessions_rules(tmp_path, shows):
    here, media = shows
    shot = tiny_shot(tmp_path / "shots" / "sh010", media, "1001-1002")
    as_made_elsewhere(shot, here)
    template, parameters = export([shot], tmp_path / "job")
    assert json.loads(parameters.read_text())["Media"] == f"{ELSEWHERE}/example"
    assert ELSEWHERE not in template.read_text(), "no path of the exporting machine on a command line"

    unmapped = run_job(template, parameters, "--step", "extract")
    assert unmapped.returncode != 0
    assert failure_line(unmapped.stdout).startswith(
        f"{ELSEWHERE}/example/plate/astronaut.####.exr can no longer be read"
    )

    rules = rules_file(tmp_path, here)
    done = run_job(template, parameters, "--step", "extract", "--path-mapping-rules", f"file://{rules}")
    assert done.returncode == 0, done.stdout[-3000:]
    manifest = open_workspace(shot).manifest
    assert manifest.runs_of("extract")[-1].status == "done"
    assert manifest.plate.path == str(here / "example/plate/astronaut.####.exr"), "written as the node saw it"
    assert sorted({r.frame for r in read_faceset(shot / "facesets" / "destination").records}) == [1001, 1002]


def test_an_identity_library_made_on_another_machine_trains_from_its_faces_through_the_rules(tmp_path, shows):
    here, media = shows
    faces = Path(media[1]).parent
    library = tiny_library(tmp_path / "library", faces)
    as_made_elsewhere(library, here)
    shot = tiny_shot(tmp_path / "shots" / "sh010", media, "1001-1002")
    elsewhere_faces = Path(ELSEWHERE) / faces.relative_to(here)
    template, parameters = export([shot], tmp_path / "job", identity=Identity(library, elsewhere_faces))
    assert json.loads(parameters.read_text())["Source"] == str(elsewhere_faces)

    unmapped = run_job(template, parameters, "--step", "identity")
    assert unmapped.returncode != 0 and failure_line(unmapped.stdout).startswith(f"{elsewhere_faces} can no longer")

    rules = rules_file(tmp_path, here)
    done = run_job(template, parameters, "--step", "identity", "--path-mapping-rules", f"file://{rules}")
    assert done.returncode == 0, done.stdout[-3000:]
    (pretrained,) = open_workspace(library).manifest.runs_of("pretrain")
    assert pretrained.status == "done"
    assert [c.path for c in open_workspace(library).manifest.sources] == [str(faces)]


def cut_made_elsewhere(path: Path, plate: str) -> Path:
    """Two clips of the example plate, 1001-1002 and 1004-1006, one after the other, as the editor on the Mac
    wrote them: the image sequence under ``ELSEWHERE``."""
    import opentimelineio as otio
    from opentimelineio.opentime import RationalTime, TimeRange

    folder, name = os.path.split(plate)
    prefix, _, suffix = name.partition("####")
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    for clip, first, count in (("sh010", 1001, 2), ("sh020", 1004, 3)):
        media = otio.schema.ImageSequenceReference(
            target_url_base=folder + "/",
            name_prefix=prefix,
            name_suffix=suffix,
            start_frame=1001,
            frame_zero_padding=4,
            rate=24,
            available_range=TimeRange(RationalTime(1001, 24), RationalTime(24, 24)),
        )
        track.append(
            otio.schema.Clip(
                name=clip,
                media_reference=media,
                source_range=TimeRange(RationalTime(first, 24), RationalTime(count, 24)),
            )
        )
    timeline = otio.schema.Timeline(name="cut")
    timeline.tracks.append(track)
    otio.adapters.write_to_file(timeline, str(path))
    return path


def test_a_two_shot_cut_mapped_at_export_runs_from_the_venv_its_bundle_makes_on_a_fresh_node(tmp_path, shows):
    """The Done-when's end to end: an OTIO cut whose media are under /Volumes, exported with `--map` as a bundle
    with the engine environment, run through `openjd run` on a node with no engine. Cold: the bundle's environment
    makes the venv (`python3 -m venv`, pip install this checkout without its dependencies, which the node has:
    farm_helpers.fresh_node), checks it, and every step runs the engine it installed. Warm: the venv is reused."""
    here, media = shows
    plate = media[0].replace(str(here), ELSEWHERE)
    cut = cut_made_elsewhere(tmp_path / "cut.otio", plate)
    venv = tmp_path / "node" / "venv"
    extra = ["--map", f"{ELSEWHERE}={here}", "--bundle", tmp_path / "bundle", "--venv", venv, "--chunk-size", "2"]
    done = faceplate(*timeline_export(cut, f"{ELSEWHERE}/example/source", tmp_path / "shots", *extra))
    assert done.returncode == 0, done.stderr
    shots = sorted((tmp_path / "shots").iterdir())
    assert len(shots) == 2
    for shot in shots:  # made by the export from the mapped cut; the tiny settings remembered before the job runs
        workspace = open_workspace(shot)
        assert workspace.manifest.plate.path == media[0]
        remember_settings(workspace, TINY)
    template = (tmp_path / "bundle" / "template.yaml").read_text()
    assert ELSEWHERE not in template and str(here) not in template and str(tmp_path) not in template

    env = fresh_node(tmp_path / "node")
    parameters = tmp_path / "bundle" / "parameters.json"
    job = ["run", tmp_path / "bundle" / "template.yaml", "--job-param", f"file://{parameters}"]
    job += ["--job-param", "Faceplate=faceplate"]
    ran = openjd_on(env, *job, "--job-param", f"EngineInstall={NODE_INSTALL}")
    assert ran.returncode == 0, ran.stdout[-4000:]
    assert f"faceplate: making the engine's venv at {venv}" in ran.stdout
    assert f"faceplate: engine faceplate {__version__} at {venv}" in ran.stdout
    assert engine_file(venv, env).is_relative_to(venv), "the steps ran the engine the job installed"
    steps = re.findall(r"Running step '([^']+)'", ran.stdout)
    assert steps == [f"{shot.name}:{stage}" for shot in shots for stage in ("media", *farm_stages())]
    for shot, frames in zip(shots, ([1001, 1002], [1004, 1005, 1006])):
        layer = sorted((shot / "render" / "v001" / "layer").glob("*.exr"))
        assert [int(p.name.split(".")[1]) for p in layer] == frames, shot.name
        assert latest_version(shot / "render") == "v001"
    again = openjd_on(env, *job, "--step", f"{shots[0].name}:media")
    assert again.returncode == 0 and "making the engine's venv" not in again.stdout, "warm: the venv is reused"
