"""Media recorded on another machine, mapped on a node by the session's OpenJD path mapping rules (`openjd run
--path-mapping-rules`): a shot and an identity library whose manifests name `/Volumes/...` (where the artist's Mac
saw the media) run on this machine, where the rules say the media are. Without the rules the same steps fail with
one line naming the unmapped path, so it is the engine's mapping of what the manifest records (no relink step runs
first) that finds the media."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from farm_helpers import example, export, run_job, tiny_library, tiny_shot

from faceplate.faces.faceset import read_faceset
from faceplate.farm.local import failure_line
from faceplate.farm.template import Identity
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
