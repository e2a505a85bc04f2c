"""`faceplate relink`: a shot follows its moved plate and sources, and refuses other footage."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from faceplate.cli.main import main
from faceplate.media import write_image
from faceplate.workspace import init_workspace, open_workspace


def _sequence(folder, frames=range(1001, 1004), image=None):
    for frame in frames:
        write_image(
            folder / f"a.{frame:04d}.png", image if image is not None else np.full((8, 12, 3), frame - 1000, np.uint8)
        )
    return str(folder / "a.####.png")


@pytest.fixture()
def astronaut_shot(tmp_path, astronaut):
    plate = _sequence(tmp_path / "plate", image=astronaut)
    source = _sequence(tmp_path / "source", image=astronaut[:, ::-1].copy())
    shot = tmp_path / "shot"
    assert main(["-q", "init", str(shot), "--plate", plate, "--source", source]) == 0
    return shot


def _err(capsys) -> list[str]:
    return capsys.readouterr().err.strip().splitlines()


def test_a_moved_plate_is_relinked_and_its_faceset_stays_up_to_date(tmp_path, astronaut_shot, capsys):
    assert main(["-q", "extract", str(astronaut_shot), "--role", "destination", "--crop-size", "64"]) == 0
    shutil.move(tmp_path / "plate", tmp_path / "moved")
    assert main(["extract", str(astronaut_shot), "--role", "destination"]) == 1
    err = _err(capsys)
    assert len(err) == 1 and "can no longer be read" in err[0] and "faceplate relink SHOT --plate NEW" in err[0], err

    new = str(tmp_path / "moved" / "a.####.png")
    assert main(["relink", str(astronaut_shot), "--plate", new]) == 0
    assert _err(capsys) == [f"faceplate: relinked plate: {tmp_path / 'plate' / 'a.####.png'} -> {new}"]
    manifest = open_workspace(astronaut_shot).manifest
    assert (manifest.plate.path, manifest.stages[-1].stage) == (new, "relink")
    assert main(["extract", str(astronaut_shot), "--role", "destination"]) == 0
    assert _err(capsys) == ["faceplate: destination: up to date, nothing to do (use --force to redo)"]


def test_a_moved_source_is_relinked_through_a_symlink_kept_as_the_link(tmp_path, astronaut_shot, capsys):
    shutil.move(tmp_path / "source", tmp_path / "elsewhere")
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    old, new = str(tmp_path / "source" / "a.####.png"), str(tmp_path / "link" / "a.####.png")
    assert main(["relink", str(astronaut_shot), "--source", f"{old}={new}"]) == 0
    assert open_workspace(astronaut_shot).manifest.sources[0].path == new


@pytest.mark.parametrize(
    "make, differs",
    [
        (lambda folder: _sequence(folder, range(1001, 1003)), "frame_count 3 there, 2 here"),
        (lambda folder: _sequence(folder, image=np.zeros((8, 16, 3), np.uint8)), "width 12 there, 16 here"),
        (lambda folder: _sequence(folder, image=np.full((8, 12, 3), 77, np.uint8)), "size_bytes "),
    ],
)
def test_other_footage_is_refused_with_what_differs(tmp_path, capsys, make, differs):
    ws = init_workspace(tmp_path / "shot", _sequence(tmp_path / "plate"))
    before = ws.manifest_path.read_bytes()
    other = make(tmp_path / "other")
    assert main(["relink", str(ws.root), "--plate", other]) == 1
    err = _err(capsys)
    assert len(err) == 1 and f"{other} is not the footage the shot was made from" in err[0] and differs in err[0], err
    assert ws.manifest_path.read_bytes() == before


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "nothing to relink"),
        (["--source", "nope"], "must be OLD=NEW"),
        (["--source", "/not/a/source=/x"], "the shot has no source /not/a/source"),
        (["--plate", "/nowhere/a.####.png"], "/nowhere/a.####.png"),
    ],
)
def test_bad_relink_requests_give_one_line(tmp_path, capsys, args, message):
    ws = init_workspace(tmp_path / "shot", _sequence(tmp_path / "plate"))
    before = ws.manifest_path.read_bytes()
    assert main(["relink", str(ws.root), *args]) == 1
    err = _err(capsys)
    assert len(err) == 1 and err[0].startswith("faceplate: error: ") and message in err[0], err
    assert ws.manifest_path.read_bytes() == before


def test_a_source_is_relinked_by_its_key_as_a_farm_job_names_it(tmp_path, astronaut_shot, capsys):
    shutil.move(tmp_path / "source", tmp_path / "moved")
    new = str(tmp_path / "moved" / "a.####.png")
    assert main(["-q", "relink", str(astronaut_shot), "--source", "source1=" + new]) == 1
    assert "the shot has no source source1" in _err(capsys)[0]
    assert main(["relink", str(astronaut_shot), "--source", "source0=" + new]) == 0
    assert _err(capsys) == [f"faceplate: relinked source0: {tmp_path / 'source' / 'a.####.png'} -> {new}"]
    assert [c.path for c in open_workspace(astronaut_shot).manifest.sources] == [new]
