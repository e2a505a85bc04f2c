"""Extract stage on the bundled example (astronaut plate): outputs, resume, cancel, the swap that
never loses decisions, what the artist reads, and indexes that are not trusted."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from faceplate.cli.main import main
from faceplate.demo import PLATE_SPACE, build_example
from faceplate.errors import MediaError, StageCancelled, WorkspaceError
from faceplate.faces.faceset import read_faceset
from faceplate.faces.pipeline import FacePipeline
from faceplate.media import write_image
from faceplate.media.frames import compact_frames
from faceplate.reporting import RecordingReporter
from faceplate.stages.runner import run_stage
from faceplate.workspace import init_workspace, open_workspace

DEST = {"roles": "destination", "crop_size": 128}


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    folder = tmp_path_factory.mktemp("example")
    plate, sources = build_example(folder)
    return plate, sources


@pytest.fixture()
def workspace(tmp_path, example):
    plate, sources = example
    return init_workspace(tmp_path / "shot", plate, "1001-1012", [sources], colour_space=PLATE_SPACE, fps="24")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the shot (the lock file aside, whose content is who holds it)."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".faceplate.lock"
    }


def test_destination_faceset_has_one_face_per_plate_frame(workspace):
    result = run_stage(workspace, "extract", {"roles": "destination"})
    faceset = read_faceset(workspace.faceset_dir("destination"))
    assert faceset.frames == list(range(1001, 1013))
    assert result.summary["destination"]["empty_frames"] == ""
    assert result.lines == ["destination: 12 faces in 12 of 12 frames"]
    assert faceset.header["schema"] == "Faceset.1" and faceset.header["crop_size"] == 512
    for record in faceset.records:
        assert faceset.crop_path(record).is_file()
        assert record.id == f"plate_{record.frame}_00"
        assert len(record.landmarks) == 68 and len(record.embedding) == 128
    run = workspace.manifest.last_run("extract")
    assert run.status == "done" and run.parameters["role"] == "destination"
    assert not workspace.faceset_dir("destination").with_name("destination.partial").exists()


def test_progress_goes_through_the_reporter_per_clip(workspace):
    reporter = RecordingReporter()
    run_stage(workspace, "extract", {"crop_size": 128}, reporter)
    final = {u.task: (u.done, u.total, u.unit) for u in reporter.of("progress")}
    assert final == {"extract plate": (12, 12, "frames"), "extract source0": (16, 16, "frames")}
    assert len(read_faceset(workspace.faceset_dir("source")).records) >= 14


def test_second_run_is_a_no_op_until_forced_and_keeps_decisions(workspace):
    run_stage(workspace, "extract", DEST)
    decisions = workspace.faceset_dir("destination") / "decisions.json"
    decisions.write_text('{"manual": "kept across runs"}')
    again = run_stage(workspace, "extract", {"roles": "destination"})
    assert again.status == "skipped" and again.lines == ["destination: up to date, nothing to do (use --force to redo)"]
    forced = run_stage(workspace, "extract", {"roles": "destination", "force": True})
    assert forced.detail["destination"].faces == 12
    assert "force" not in workspace.manifest.settings["extract"], "--force applies to one run only"
    assert decisions.read_text() == '{"manual": "kept across runs"}', "manual curation decisions survive re-extraction"


def test_interrupted_run_keeps_old_faceset_and_resumes_with_right_counts(workspace, monkeypatch):
    run_stage(workspace, "extract", DEST)
    before = (workspace.faceset_dir("destination") / "index.jsonl").read_text()
    calls = []
    original = FacePipeline.locate

    def locate_then_crash(self, frame, image):
        calls.append(frame)
        if frame == 1007:
            raise KeyboardInterrupt
        return original(self, frame, image)

    monkeypatch.setattr(FacePipeline, "locate", locate_then_crash)
    with pytest.raises(KeyboardInterrupt):
        run_stage(workspace, "extract", DEST | {"force": True})
    assert (workspace.faceset_dir("destination") / "index.jsonl").read_text() == before
    assert open_workspace(workspace.root).manifest.last_run("extract").status == "cancelled"

    calls.clear()
    monkeypatch.setattr(
        FacePipeline, "locate", lambda self, frame, image: (calls.append(frame), original(self, frame, image))[1]
    )
    result = run_stage(workspace, "extract", DEST | {"force": True})
    assert calls == list(range(1006, 1013)), "resumed after the frames already done (the last one is redone)"
    assert read_faceset(workspace.faceset_dir("destination")).frames == list(range(1001, 1013))
    assert result.lines == ["destination: 12 faces in 12 of 12 frames"], "frames done before the resume are counted"
    assert result.summary["destination"]["frames_read"] == 12


def test_cancel_stops_at_the_next_frame_and_the_rerun_gives_the_same_faces(workspace, example, tmp_path):
    plain = init_workspace(tmp_path / "plain", example[0], "1001-1012", colour_space=PLATE_SPACE)
    run_stage(plain, "extract", DEST)
    expected = [r.id for r in read_faceset(plain.faceset_dir("destination")).records]

    reporter = RecordingReporter(cancel_after=4)  # the meter's first report, then 3 frames
    with pytest.raises(StageCancelled, match="cancelled at plate frame"):
        run_stage(workspace, "extract", DEST, reporter)
    assert len(reporter.of("progress")) == 4, "no frame read after the cancel"
    assert open_workspace(workspace.root).manifest.last_run("extract").status == "cancelled"
    assert not (workspace.faceset_dir("destination") / "index.jsonl").exists()

    resumed = RecordingReporter()
    result = run_stage(workspace, "extract", DEST, resumed)
    assert resumed.of("progress")[0].total < 12, "the re-run resumes rather than starting over"
    assert [r.id for r in read_faceset(workspace.faceset_dir("destination")).records] == expected
    assert result.lines == ["destination: 12 faces in 12 of 12 frames"]
    assert open_workspace(workspace.root).manifest.last_run("extract").status == "done"


def _kill_on_rename(monkeypatch, which: int):
    """Path.rename raising (as a kill would stop the process) on its ``which``-th call."""
    original, calls = Path.rename, []

    def rename(self, target):
        calls.append(self)
        if len(calls) == which:
            raise KeyboardInterrupt
        return original(self, target)

    monkeypatch.setattr(Path, "rename", rename)


@pytest.mark.parametrize("which", [1, 2], ids=["before-first-rename", "between-renames"])
def test_a_swap_killed_midway_is_mended_by_the_next_run(workspace, monkeypatch, which):
    run_stage(workspace, "extract", DEST)
    final = workspace.faceset_dir("destination")
    (final / "decisions.json").write_text('{"manual": "kept"}')
    with monkeypatch.context() as patch:
        _kill_on_rename(patch, which)
        with pytest.raises(KeyboardInterrupt):
            run_stage(workspace, "extract", DEST | {"force": True})
    if which == 2:
        assert not final.exists() and final.with_name("destination.old").is_dir()

    again = run_stage(workspace, "extract", DEST)
    assert again.status == "skipped", "the finished faceset was swapped in, not extracted again"
    assert (final / "decisions.json").read_text() == '{"manual": "kept"}'
    assert read_faceset(final).frames == list(range(1001, 1013))
    assert sorted(p.name for p in final.parent.iterdir()) == ["destination"]


def test_previous_faceset_moved_aside_is_restored(workspace):
    run_stage(workspace, "extract", DEST)
    final = workspace.faceset_dir("destination")
    (final / "decisions.json").write_text('{"manual": "kept"}')
    final.rename(final.with_name("destination.old"))  # a kill after the first rename, staged faceset lost
    assert run_stage(workspace, "extract", DEST).status == "skipped"
    assert (final / "decisions.json").read_text() == '{"manual": "kept"}'


def test_corrupt_frame_is_named_and_nothing_is_lost(tmp_path, example):
    plate_dir = tmp_path / "plate"
    shutil.copytree(Path(example[0]).parent, plate_dir)
    ws = init_workspace(tmp_path / "shot", str(plate_dir / "astronaut.####.exr"), "1001-1008", colour_space=PLATE_SPACE)
    run_stage(ws, "extract", DEST)
    index = ws.faceset_dir("destination") / "index.jsonl"
    before = index.read_text()
    damaged = plate_dir / "astronaut.1005.exr"
    damaged.write_bytes(b"\0" * damaged.stat().st_size)  # same size: the fingerprint cannot see it
    with pytest.raises(MediaError, match="1005"):
        run_stage(ws, "extract", DEST | {"force": True})
    assert index.read_text() == before


@pytest.fixture()
def half_empty_shot(tmp_path, astronaut):
    """Frames 1001-1002 are grey (nobody there), 1003-1004 show the astronaut."""
    for frame in range(1001, 1005):
        image = astronaut if frame > 1002 else np.full_like(astronaut, 128)
        write_image(tmp_path / "plate" / f"a.{frame:04d}.png", image)
    shot = tmp_path / "shot"
    assert main(["-q", "init", str(shot), "--plate", str(tmp_path / "plate" / "a.####.png")]) == 0
    return shot


def test_empty_frames_are_reported_once(half_empty_shot, capsys):
    assert main(["extract", str(half_empty_shot), "--role", "destination", "--crop-size", "128"]) == 0
    err = capsys.readouterr().err
    assert "destination: 2 faces in 2 of 4 frames" in err
    assert err.count("1001-1002") == 1, err
    assert "destination: no face in frames 1001-1002" in err


@pytest.mark.parametrize(
    "flag, value, message",
    [
        ("--crop-size", "10", "bad extract setting --crop-size: '10' is not allowed"),
        ("--upsample", "4", "allowed: 0 to 3"),
        ("--face-type", "profile", "allowed: one of half, full, whole_face, head"),
        ("--source-step", "0", "allowed: at least 1"),
        ("--role", "everyone", "allowed: one of destination, source, both"),
        ("--detect-size", "nan", "bad extract setting --detect-size"),
    ],
)
def test_bad_settings_give_one_line_exit_1_and_touch_nothing(half_empty_shot, capsys, flag, value, message):
    before = snapshot(half_empty_shot)
    assert main(["extract", str(half_empty_shot), flag, value]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("faceplate: error: ") and message in err[0], err
    assert snapshot(half_empty_shot) == before


def test_reference_is_stored_absolute_and_a_missing_one_is_refused(half_empty_shot, capsys, monkeypatch):
    monkeypatch.chdir(half_empty_shot.parent)
    assert (
        main(
            [
                "extract",
                str(half_empty_shot),
                "--reference",
                "plate/a.1003.png",
                "--crop-size",
                "128",
                "--role",
                "destination",
            ]
        )
        == 0
    )
    stored = open_workspace(half_empty_shot).manifest.settings["extract"]["reference"]
    assert stored == os.path.join(str(half_empty_shot.parent), "plate", "a.1003.png")
    capsys.readouterr()
    before = snapshot(half_empty_shot)
    assert main(["extract", str(half_empty_shot), "--reference", "nobody.png", "--role", "destination"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"faceplate: error: --reference {half_empty_shot.parent / 'nobody.png'} does not exist; "
        "give a still of the person to keep"
    ]
    assert snapshot(half_empty_shot) == before


def test_hostile_index_ids_are_refused_and_nothing_is_written(half_empty_shot, capsys):
    assert main(["-q", "extract", str(half_empty_shot), "--role", "destination", "--crop-size", "64"]) == 0
    index = half_empty_shot / "facesets" / "destination" / "index.jsonl"
    lines = index.read_text().splitlines()
    record = json.loads(lines[2])
    for field, value in [
        ("id", "../../plate/p.1003"),
        ("image", "/etc/passwd"),
        ("mask", "../../../x.png"),
        ("image", "faces/../../../faceplate.json"),
    ]:
        hostile = dict(record, **{field: value})
        index.write_text("\n".join(lines[:2] + [json.dumps(hostile)]) + "\n")
        before = snapshot(half_empty_shot)
        with pytest.raises(
            WorkspaceError,
            match=rf"{index} line 3: {field} .* points outside the faceset .*"
            r"re-run `faceplate extract --force`",
        ):
            read_faceset(index.parent)
        assert main(["curate", str(half_empty_shot), "--role", "destination"]) == 1
        err = capsys.readouterr().err
        assert f"{index} line 3" in err and "Traceback" not in err
        assert snapshot(half_empty_shot) == before, "a refused index leaves the shot as it was"


def test_compact_frames_writes_ranges_like_an_artist():
    assert compact_frames([1001, 1002, 1003, 1010, 1012, 1013]) == "1001-1003,1010,1012-1013"
    assert compact_frames([]) == ""
