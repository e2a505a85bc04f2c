"""One writer per shot: the OS lock, its 'busy' answer naming the holder, and recovery after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest
from workspace_helpers import HOLD, hold_shot

from faceplate.errors import WorkspaceBusy
from faceplate.media import write_image
from faceplate.workspace import init_workspace, open_workspace
from faceplate.workspace.lock import LOCK_NAME, holder_text


@pytest.fixture()
def shot(tmp_path):
    for frame in range(1001, 1004):
        write_image(tmp_path / "plate" / f"p.{frame:04d}.png", np.full((8, 12, 3), 9, np.uint8))
    return init_workspace(tmp_path / "shot", str(tmp_path / "plate" / "p.####.png")).root


def test_a_second_writer_is_refused_naming_the_holder_and_nothing_is_touched(shot):
    holder = hold_shot(shot)
    try:
        before = (shot / "faceplate.json").read_bytes()
        done = subprocess.run(
            [sys.executable, "-m", "faceplate.cli.main", "export", str(shot)], capture_output=True, text=True
        )
        assert done.returncode == 1
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert "is busy" in lines[0] and "`train`" in lines[0] and f"pid {holder.pid}" in lines[0]
        assert (shot / "faceplate.json").read_bytes() == before
        with pytest.raises(WorkspaceBusy, match="`train` since"):
            with open_workspace(shot).locked("render"):
                pass
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_holder_frees_the_shot_and_its_run_is_marked_interrupted(shot):
    holder = hold_shot(shot)
    stray = shot / "facesets" / ".index.abc123.tmp.jsonl"  # what a killed atomic write leaves behind
    stray.parent.mkdir(parents=True)
    stray.write_text("half")
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    running = open_workspace(shot).manifest.runs_of("train")
    assert running[-1].status == "running"  # nobody could record the kill
    ws = open_workspace(shot)
    with ws.locked("curate"):
        pass
    train = open_workspace(shot).manifest.runs_of("train")[-1]
    assert train.status == "interrupted" and train.finished and "killed" in train.error
    assert not stray.exists(), "temp files of the dead run are cleared"
    assert json.loads((shot / LOCK_NAME).read_text() or "{}") == {}, "the lock file says nobody holds it"


def test_the_lock_is_reentrant_for_one_holder(shot):
    ws = open_workspace(shot)
    with ws.locked("run"):
        with ws.stage_run("extract", {}, {}) as run:
            run.summary = {"faces": 1}
        assert ws.lock.held
    assert not ws.lock.held
    with open_workspace(shot).locked("render"):  # released: another holder gets it (a held shot is refused)
        pass
    assert [r.status for r in open_workspace(shot).manifest.stages][-1] == "done"


# --- shared holders (render chunks) ----------------------------------------------------------------
SHARED_HOLD = textwrap.dedent("""
    import pathlib, sys, time
    from faceplate.workspace import open_workspace
    shot, label, go, patches = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]), int(sys.argv[4])
    ws = open_workspace(shot)
    with ws.locked(label, shared=True):
        print("holding", flush=True)
        deadline = time.time() + 600  # a failed test never touches it: do not outlive it by long
        while not go.exists() and time.time() < deadline:
            time.sleep(0.02)
        for _ in range(patches):  # each a 'running' then a 'done' patch of the manifest
            with ws.stage_run("render", {}, {}):
                pass
        print("patched", flush=True)
        if patches == 0:
            sys.stdin.read()  # until the test lets go
""")


def _hold_shared(shot, label, go, patches=0):
    proc = subprocess.Popen(
        [sys.executable, "-c", SHARED_HOLD, str(shot), label, str(go), str(patches)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "holding"
    return proc


def _stop(*procs):
    for proc in procs:
        proc.kill()
        proc.wait()


def test_shared_holders_coexist_and_an_exclusive_stage_is_refused_naming_them(shot, tmp_path):
    go = tmp_path / "go"
    first = _hold_shared(shot, "render of 1001-1002", go)
    second = _hold_shared(shot, "render of 1003", go)  # got in while the first holds: shared holders coexist
    try:
        done = subprocess.run(
            [sys.executable, "-m", "faceplate.cli.main", "export", str(shot)], capture_output=True, text=True
        )
        assert done.returncode == 1
        line = done.stderr.strip()
        assert "is busy: `render of 1001-1002`" in line and f"pid {first.pid}" in line and "and 1 other" in line, line
        assert len(line.splitlines()) == 1
    finally:
        _stop(first, second)
    with open_workspace(shot).locked("train"):  # both gone (killed): the shot is free for an exclusive holder
        pass


def test_a_shared_request_is_refused_while_an_exclusive_stage_holds_the_shot(shot):
    holder = hold_shot(shot)
    try:
        with pytest.raises(WorkspaceBusy, match="`train` since"):
            with open_workspace(shot).locked("render of 1001-1002", shared=True):
                pass
    finally:
        _stop(holder)


def test_an_exclusive_stage_waits_for_shared_holders_under_lock_wait(shot, tmp_path, monkeypatch):
    go = tmp_path / "go"
    holder = _hold_shared(shot, "render of 1001", go, patches=1)
    monkeypatch.setenv("FACEPLATE_LOCK_WAIT", "60")
    threading.Timer(0.5, go.touch).start()  # the holder then records one run and releases the shot
    ws = open_workspace(shot)
    with ws.locked("train"):  # waits for that, then has the shot to itself
        assert [r.status for r in ws.manifest.runs_of("render")] == ["done"]
    holder.wait()


def test_concurrent_shared_holders_lose_no_manifest_record(shot, tmp_path):
    go = tmp_path / "go"
    holders = [_hold_shared(shot, f"render {i}", go, patches=15) for i in range(2)]  # both hold the shot now
    go.touch()
    assert [h.stdout.readline().strip() for h in holders] == ["patched", "patched"]
    for holder in holders:
        holder.wait()
    runs = open_workspace(shot).manifest.runs_of("render")
    assert len(runs) == 30 and {r.status for r in runs} == {"done"}
    assert len({r.pid for r in runs}) == 2


def test_recovery_waits_for_an_exclusive_holder_while_a_shared_one_is_alive(shot, tmp_path):
    """A dead run's temp files look like a live chunk's: only a holder with the shot to itself clears them."""
    go = tmp_path / "go"
    dead = _hold_shared(shot, "render of 1001", go)
    stray = shot / "render" / "layer" / ".faceplate.1001.abc123.tmp.exr"
    stray.parent.mkdir(parents=True)
    stray.write_text("half")
    alive = _hold_shared(shot, "render of 1002", go)
    _stop(dead)
    try:
        with open_workspace(shot).locked("render of 1003", shared=True):  # joins the live chunk: no recovery
            assert stray.exists()
        with pytest.raises(WorkspaceBusy, match="`render of 1002`"):
            with open_workspace(shot).locked("curate"):
                pass
        assert stray.exists()
    finally:
        _stop(alive)
    with open_workspace(shot).locked("render of 1003", shared=True):  # free: taken exclusive first, recovered
        assert not stray.exists()
    assert json.loads((shot / LOCK_NAME).read_text() or "{}") == {}


def test_a_render_killed_mid_chunk_is_marked_interrupted_only_by_an_exclusive_holder(shot, tmp_path):
    go = tmp_path / "go"
    alive = _hold_shared(shot, "render of 1002", go)
    killed = subprocess.Popen(
        [
            sys.executable,
            "-c",
            HOLD.replace('"train"', '"render"').replace(
                "ws.stage_run", "ws.locked('render of 1001', shared=True), ws.stage_run"
            ),
            str(shot),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert killed.stdout.readline().strip() == "holding"
    _stop(killed)
    try:
        with open_workspace(shot).locked("render of 1003", shared=True) as ws:
            assert [r.status for r in ws.manifest.runs_of("render")] == ["running"]
    finally:
        _stop(alive)
    with open_workspace(shot).locked("curate") as ws:
        render = ws.manifest.runs_of("render")
        assert [r.status for r in render] == ["interrupted"] and render[0].pid == killed.pid


@pytest.mark.skipif(sys.platform == "win32", reason="no shared locks on Windows")
def test_a_render_that_loses_the_shot_while_switching_to_shared_is_refused_naming_who_took_it(shot, monkeypatch):
    """flock's exclusive -> shared switch is not atomic: a program waiting for the shot may take it between."""
    import fcntl

    from faceplate.workspace import lock

    taken = []

    def slip_in(fd):
        fcntl.flock(fd, fcntl.LOCK_UN)
        taken.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    textwrap.dedent("""
            import sys, time
            from faceplate.workspace.lock import WorkspaceLock
            WorkspaceLock(sys.argv[1]).acquire("train")
            print("holding", flush=True)
            sys.stdin.read()  # until the test lets go
            """),
                    str(shot),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        )
        assert taken[0].stdout.readline().strip() == "holding"
        return False

    monkeypatch.setattr(lock, "_convert_to_shared", slip_in)
    try:
        with pytest.raises(WorkspaceBusy, match="`train` since"):
            with open_workspace(shot).locked("render of 1001", shared=True):
                pass
        assert json.loads((shot / LOCK_NAME).read_text())["stage"] == "train", "the new holder's record is kept"
    finally:
        _stop(*taken)


def test_a_render_waits_for_another_that_recovers_the_shot_before_sharing_it(shot, tmp_path):
    """The first render on a free shot holds it exclusively for a moment (recovery): a second render
    started then waits for the share instead of being refused, even without FACEPLATE_LOCK_WAIT."""
    go = tmp_path / "go"
    first = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent("""
        import pathlib, sys, time
        from faceplate.workspace.lock import WorkspaceLock
        lock = WorkspaceLock(sys.argv[1])
        lock.acquire("render of 1001", shared=True)  # the shot is free: exclusive, to recover it
        print("recovering", lock.mode, flush=True)
        deadline = time.time() + 600
        while not pathlib.Path(sys.argv[2]).exists() and time.time() < deadline:
            time.sleep(0.02)
        lock.share()
        print("shared", flush=True)
        sys.stdin.read()  # until the test lets go
        """),
            str(shot),
            str(go),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stdout.readline().split() == ["recovering", "exclusive"]
        with pytest.raises(WorkspaceBusy, match="`render of 1001`"):  # an exclusive stage does not wait for it
            with open_workspace(shot).locked("train"):
                pass
        threading.Timer(0.5, go.touch).start()
        with open_workspace(shot).locked("render of 1002", shared=True) as ws:
            assert ws.lock.mode == "shared" and first.stdout.readline().strip() == "shared"
            assert "and 1 other" in holder_text(shot)
    finally:
        _stop(first)
