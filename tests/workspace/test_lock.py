"""One writer per shot: the OS lock, its 'busy' answer naming the holder, and recovery after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from faceplate.errors import WorkspaceBusy
from faceplate.media import write_image
from faceplate.workspace import init_workspace, open_workspace
from faceplate.workspace.lock import LOCK_NAME

HOLD = textwrap.dedent("""
    import sys, time
    from faceplate.workspace import open_workspace
    ws = open_workspace(sys.argv[1])
    with ws.stage_run("train", {}, {}):
        print("holding", flush=True)
        time.sleep(60)
""")


@pytest.fixture()
def shot(tmp_path):
    for frame in range(1001, 1004):
        write_image(tmp_path / "plate" / f"p.{frame:04d}.png", np.full((8, 12, 3), 9, np.uint8))
    return init_workspace(tmp_path / "shot", str(tmp_path / "plate" / "p.####.png")).root


def _hold(shot):
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(shot)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_a_second_writer_is_refused_naming_the_holder_and_nothing_is_touched(shot):
    holder = _hold(shot)
    try:
        before = (shot / "faceplate.json").read_bytes()
        done = subprocess.run([sys.executable, "-m", "faceplate.cli.main", "export", str(shot)],
                              capture_output=True, text=True)
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
    holder = _hold(shot)
    stray = shot / "facesets" / ".index.abc123.tmp.jsonl"  # what a killed atomic write leaves behind
    stray.parent.mkdir(parents=True)
    stray.write_text("half")
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    running = [r for r in open_workspace(shot).manifest.stages if r.stage == "train"]
    assert running[-1].status == "running"  # nobody could record the kill
    ws = open_workspace(shot)
    with ws.locked("curate"):
        pass
    train = [r for r in open_workspace(shot).manifest.stages if r.stage == "train"][-1]
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
    started = time.monotonic()
    with open_workspace(shot).locked("render"):  # released: another holder gets it at once
        pass
    assert time.monotonic() - started < 2
    assert [r.status for r in open_workspace(shot).manifest.stages][-1] == "done"
