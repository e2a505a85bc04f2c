"""Cancel, retry, and a server killed with SIGKILL mid-training: the job finishes, training resumed from
its checkpoint, no stage redone from scratch."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from server_helpers import TINY

from faceplate.training.checkpoint import read_pointer
from faceplate.workspace import open_workspace

pytestmark = pytest.mark.slow
TRAIN = {
    "model": TINY["model"],
    "train": TINY["train"] | {"iterations": 40, "checkpoint_every": 2, "preview_every": 4, "log_every": 2},
}


def copy_shot(extracted_shot: Path, roots: Path, name: str) -> Path:
    shot = roots / name
    shutil.copytree(extracted_shot, shot)
    return shot


def wait_for(predicate, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def trained_to(shot: Path) -> int:
    pointer = read_pointer(shot / "model", "latest")
    return pointer["iteration"] if pointer else 0


def test_cancel_mid_train_keeps_a_checkpoint_and_retry_finishes(example, extracted_shot, engine_factory):
    roots = example[0]
    shot = copy_shot(extracted_shot, roots, "sh_cancel")
    client = engine_factory(roots).client
    job = client.submit(str(shot), stages=["train", "export"], settings={"train": TRAIN})
    wait_for(lambda: trained_to(shot) >= 2, 600, "a first checkpoint")

    client.cancel(job["id"])
    final = wait_for(
        lambda: (j := client.job(job["id"]))["status"] in ("cancelled", "done", "failed") and j, 300, "the job to stop"
    )
    assert final["status"] == "cancelled", final
    train = open_workspace(shot).manifest.runs_of("train")
    assert [r.status for r in train] == ["cancelled"]
    stopped_at = trained_to(shot)
    assert 2 <= stopped_at < 40, "the cancel saved a checkpoint before the target"
    assert final["stages"][1]["status"] == "pending", "export never started"

    client.retry(job["id"])
    final = client.watch(job["id"], lambda e: None, poll_s=0.2, timeout_s=300)
    assert final["status"] == "done", final
    train = open_workspace(shot).manifest.runs_of("train")
    assert [r.status for r in train] == ["cancelled", "done"]
    assert train[-1].summary["start_iteration"] == stopped_at and train[-1].summary["iterations"] == 40
    assert Path(client.artifacts(job["id"])["onnx"]["path"]).is_file()


def test_a_killed_server_resumes_its_job_from_the_checkpoint(example, extracted_shot, engine_factory, tmp_path):
    roots = example[0]
    shot = copy_shot(extracted_shot, roots, "sh_kill")
    engine = engine_factory(roots, tmp_path / "data")
    job = engine.client.submit(str(shot), stages=["curate", "train", "export"], settings={"train": TRAIN})
    wait_for(lambda: trained_to(shot) >= 4, 600, "training past its second checkpoint")
    worker_pid = next(r.pid for r in open_workspace(shot).manifest.runs_of("train") if r.status == "running")
    engine.kill9()
    checkpoint_at_kill = trained_to(shot)
    wait_for(lambda: not _alive(worker_pid), 120, "the worker to die with its server")

    engine = engine_factory(roots, tmp_path / "data", port=engine.port)
    final = engine.client.watch(job["id"], lambda e: None, poll_s=0.2, timeout_s=300)
    assert final["status"] == "done", final
    manifest = open_workspace(shot).manifest
    train = manifest.runs_of("train")
    assert [r.status for r in train] == ["interrupted", "done"]
    assert train[-1].summary["start_iteration"] >= checkpoint_at_kill >= 4
    assert train[-1].summary["iterations"] == 40
    curate_runs = manifest.runs_of("curate")
    assert len(curate_runs) == 2, "curate ran once in the prepared shot and once in this job, not again after the kill"
    assert {s["name"]: s["runs"] for s in final["stages"]} == {"curate": 1, "train": 2, "export": 1}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (dead, not yet reaped by its new parent) counts as dead
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True
