"""Render chunks of one shot at the same time (the shared shot lock; docs/farm.md): real `faceplate`
processes on a tiny trained shot. Disjoint chunks overlap and together write every frame once with the
pixels of one render; overlapping chunks stay correct; exclusive stages and renders keep out of each
other's way; a chunk killed mid-frame leaves its temp file to the next holder that has the shot to itself.

Overlap is shown by the order of events, not by timing: a chunk is held at its first frame (its
reporter waits for a gate file) while another chunk renders from start to finish.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from farm_helpers import REPO, engine_env, example, tiny_shot

from faceplate.media import open_plate, read_image
from faceplate.render.outputs import RenderPaths
from faceplate.render.versions import latest_version, list_versions
from faceplate.stages.runner import run_stage
from faceplate.workspace import open_workspace

sys.path.insert(0, str(REPO / "tests" / "workspace"))
from workspace_helpers import hold_shot  # noqa: E402  (a process holding the shot)

pytestmark = pytest.mark.slow
FRAMES = list(range(1001, 1007))

# one render in its own process: `gate` (a path or -) holds it at its first frame until the file exists;
# `stall` (a file name or -) stops it for good inside the atomic write of that file, its temp file written
RENDER = textwrap.dedent("""
    import contextlib, pathlib, sys, time
    import faceplate.media.image_output as image_output
    from faceplate.reporting import BaseReporter
    from faceplate.stages.runner import run_stage
    from faceplate.workspace import open_workspace

    shot, frames, gate, stall = sys.argv[1:5]
    real_atomic_path = image_output.atomic_path

    @contextlib.contextmanager
    def stalling(target, *args, **kwargs):
        with real_atomic_path(target, *args, **kwargs) as tmp:
            yield tmp
            if pathlib.Path(target).name == stall:
                print("stalled", tmp, flush=True)
                time.sleep(600)
    image_output.atomic_path = stalling

    class Gate(BaseReporter):
        def __init__(self):
            super().__init__()
            self.said = False

        def cancelled(self):
            if not self.said:
                print("at first frame", flush=True)
                self.said = True
            while gate != "-" and not pathlib.Path(gate).exists():
                time.sleep(0.02)
            return False

    result = run_stage(open_workspace(shot), "render", {"frames": frames}, Gate())
    print("rendered", result.summary["frames_written"], flush=True)
""")


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, Path]:
    """A tiny trained and exported shot never rendered, and the same shot rendered whole in one run."""
    base = tmp_path_factory.mktemp("chunks")
    shot = tiny_shot(base / "trained", example(base / "media"))
    ws = open_workspace(shot)
    for stage in ("extract", "curate", "mask", "train", "export"):
        run_stage(ws, stage)
    whole = base / "whole"
    shutil.copytree(shot, whole)
    run_stage(open_workspace(whole), "render")
    return shot, whole


@pytest.fixture()
def shot(trained, tmp_path) -> Path:
    return Path(shutil.copytree(trained[0], tmp_path / "sh010"))


@pytest.fixture()
def spawned():
    """Processes a test started; any still running when it ends (a failed test) are killed."""
    procs: list[subprocess.Popen] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def start_render(
    spawned: list, shot: Path, frames: str, gate: Path | None = None, stall: str | None = None
) -> subprocess.Popen:
    """A render process, returned once it is at its first frame (holding the shot, its run recorded)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", RENDER, str(shot), frames, str(gate or "-"), stall or "-"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=engine_env(),
    )
    spawned.append(proc)
    line = proc.stdout.readline().strip()
    assert line == "at first frame", (line, proc.stderr.read() if proc.poll() is not None else "")
    return proc


def finish(proc: subprocess.Popen) -> str:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return out


def faceplate(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "faceplate.cli.main", *args],
        capture_output=True,
        text=True,
        env=env or engine_env(),
        timeout=120,
    )


def render_runs(shot: Path) -> list:
    return open_workspace(shot).manifest.runs_of("render")


def paths(shot: Path) -> RenderPaths:
    """The one version every chunk of the render writes into."""
    return RenderPaths(shot / "render" / "v001", "faceplate", "exr")


def assert_same_pixels_as_one_render(shot: Path, whole: Path) -> None:
    for frame in FRAMES:
        for name in ("layer", "matte", "preview"):
            ours, theirs = getattr(paths(shot), name)(frame), getattr(paths(whole), name)(frame)
            assert np.array_equal(read_image(ours, alpha=name == "layer"), read_image(theirs, alpha=name == "layer")), (
                ours
            )


def temp_files(shot: Path) -> list[Path]:
    return sorted(p for p in (shot / "render").rglob(".*.tmp*"))


def test_disjoint_chunks_render_at_once_and_write_every_frame_once_as_one_render(shot, trained, tmp_path, spawned):
    gate = tmp_path / "gate"
    first = start_render(spawned, shot, "1001-1003", gate)
    second = faceplate("render", str(shot), "--frames", "1004-1006")  # start to finish while the first is held
    assert second.returncode == 0, second.stderr
    assert first.poll() is None, "the first chunk is still at its first frame, holding the shot"
    during = render_runs(shot)
    assert [(r.status, r.pid) for r in during] == [("running", first.pid), ("done", during[1].pid)]
    gate.touch()
    assert "rendered 1001-1003" in finish(first)

    runs = render_runs(shot)
    assert [r.status for r in runs] == ["done", "done"], "both chunks' run records survive"
    assert [r.summary["frames_written"] for r in runs] == ["1001-1003", "1004-1006"]
    assert runs[0].started <= runs[1].started and runs[0].finished >= runs[1].finished
    assert_same_pixels_as_one_render(shot, trained[1])
    assert all(paths(shot).record(f).is_file() for f in FRAMES)
    assert list_versions(shot / "render") == ["v001"] and latest_version(shot / "render") == "v001"
    assert [r.summary["version"] for r in runs] == ["v001", "v001"] and [r.summary["published"] for r in runs] == [
        True,
        False,
    ], "the chunk that completed the version published it"
    # the review movie: not by the second chunk (frames were missing), by the one that completed the shot
    assert runs[1].summary["preview_movie"] is None and runs[0].summary["preview_movie"] == str(paths(shot).movie)
    with open_plate(str(paths(shot).movie)) as movie:
        assert len(movie.info.frame_range) == len(FRAMES)
    again = faceplate("render", str(shot))
    assert again.returncode == 0 and "rendered nothing" in again.stdout + again.stderr


def test_overlapping_chunks_leave_correct_frames_and_records(shot, trained, tmp_path, spawned):
    gate = tmp_path / "gate"
    chunks = [start_render(spawned, shot, frames, gate) for frames in ("1001-1004", "1003-1006")]  # both hold the shot
    gate.touch()
    for chunk in chunks:
        finish(chunk)
    assert [r.status for r in render_runs(shot)] == ["done", "done"]
    assert_same_pixels_as_one_render(shot, trained[1])
    assert not temp_files(shot)
    again = faceplate("render", str(shot))
    assert again.returncode == 0 and "rendered nothing" in again.stdout + again.stderr, "records match their files"


def test_train_is_refused_while_a_chunk_renders_and_waits_for_it_under_lock_wait(shot, tmp_path, spawned):
    gate = tmp_path / "gate"
    chunk = start_render(spawned, shot, "1001-1002", gate)
    refused = faceplate("train", str(shot))
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1 and "is busy: `render of 1001-1002`" in refused.stderr, refused.stderr
    waiting = subprocess.Popen(
        [sys.executable, "-m", "faceplate.cli.main", "train", str(shot)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**engine_env(), "FACEPLATE_LOCK_WAIT": "600"},
    )
    spawned.append(waiting)
    for line in waiting.stdout:  # it says it waits, and for whom
        if "waiting up to 600 s" in line:
            assert "`render of 1001-1002`" in line
            break
    gate.touch()
    finish(chunk)
    assert waiting.wait(timeout=600) == 0
    manifest = open_workspace(shot).manifest
    render, train = manifest.last_run("render"), manifest.last_run("train")
    assert render.status == "done" and train.started >= render.finished


def test_a_chunk_is_refused_while_train_holds_the_shot(shot, spawned):
    spawned.append(hold_shot(shot, env=engine_env()))
    refused = faceplate("render", str(shot), "--frames", "1001-1002")
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1 and "is busy: `train`" in refused.stderr, refused.stderr
    assert not (shot / "render").exists() and render_runs(shot) == []


def test_a_chunk_killed_mid_frame_leaves_its_temp_file_until_the_shot_is_free(shot, trained, tmp_path, spawned):
    gate = tmp_path / "gate"
    alive = start_render(spawned, shot, "1004-1006", gate)
    killed = start_render(
        spawned, shot, "1001-1003", stall="faceplate.1002.exr"
    )  # stops inside the write of 1002's layer
    line = killed.stdout.readline().strip()
    assert line.startswith("stalled ")
    stray = Path(line.split(" ", 1)[1])
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    left = temp_files(shot)  # 1002's layer, and whatever the other writer threads were writing at the kill
    assert stray in left

    joined = faceplate("render", str(shot), "--frames", "1001")  # joins the live chunk: no recovery
    assert joined.returncode == 0, joined.stderr
    assert all(p.is_file() for p in left), "a temp file may be a live chunk's while another chunk renders"
    assert [r.status for r in render_runs(shot)] == ["running", "running", "done"]

    gate.touch()
    finish(alive)
    assert all(p.is_file() for p in left)
    whole = faceplate("render", str(shot))  # the shot is free: taken exclusively first, so it recovers
    assert whole.returncode == 0, whole.stderr
    assert not temp_files(shot)
    runs = render_runs(shot)
    assert [(r.pid, r.status) for r in runs][1] == (killed.pid, "interrupted")
    assert [r.status for r in runs] == ["done", "interrupted", "done", "done"]
    assert runs[-1].summary["frames_written"].startswith("1002"), "what the killed chunk had not finished"
    assert_same_pixels_as_one_render(shot, trained[1])
