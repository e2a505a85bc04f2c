"""`faceplate run --via-server SHOT`: the running engine does the work, this terminal shows it, Ctrl-C cancels
the job; with no engine running, one line says how to start it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from server_helpers import REPO, TINY, free_port

pytestmark = pytest.mark.slow


def cli_env(**extra: str) -> dict:
    path = os.pathsep.join([str(REPO / "engine"), str(REPO / "plugin"), os.environ.get("PYTHONPATH", "")])
    return dict(os.environ, PYTHONPATH=path, **extra)


def test_no_engine_running_says_how_to_start_it(tmp_path):
    port = free_port()  # nothing listens there
    done = subprocess.run(
        [sys.executable, "-m", "faceplate.cli.main", "run", "--via-server", str(tmp_path / "sh")],
        env=cli_env(FACEPLATE_URL=f"http://127.0.0.1:{port}", FACEPLATE_TOKEN="x"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"no Faceplate engine answers at http://127.0.0.1:{port}" in lines[0]
    assert "faceplate serve --roots" in lines[0]


def test_ctrl_c_cancels_the_job_on_the_engine(example, extracted_shot, engine_factory, tmp_path):
    roots = example[0]
    shot = roots / "sh_via_server"
    shutil.copytree(extracted_shot, shot)
    engine = engine_factory(roots)
    client = engine.client
    # the shot remembers a tiny model; the command below only raises the iteration target
    first = client.submit(
        str(shot),
        stages=["train"],
        settings={"train": {"model": TINY["model"], "train": TINY["train"] | {"iterations": 1}}},
    )
    client.watch(first["id"], lambda e: None, poll_s=0.2, timeout_s=120)

    err = tmp_path / "stderr.txt"
    with open(err, "w") as stderr:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "faceplate.cli.main",
                "run",
                "--via-server",
                str(shot),
                "--iterations",
                "100000",
                "--budget",
                "review",
            ],
            env=cli_env(FACEPLATE_URL=engine.url, FACEPLATE_DATA=str(engine.data)),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            deadline = time.monotonic() + 180
            while True:
                jobs = [j for j in client.jobs() if j["id"] != first["id"]]
                train = [s for j in jobs for s in j["stages"] if s["name"] == "train"]
                if train and (train[0]["progress"] or {}).get("done", 0) >= 3:
                    break
                assert time.monotonic() < deadline and process.poll() is None, err.read_text()
                time.sleep(0.2)
            process.send_signal(signal.SIGINT)
            code = process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    text = err.read_text()
    print(text)
    assert code == 130, text
    job = client.job(jobs[0]["id"])
    assert job["status"] == "cancelled", job
    assert f"job {job['id']}" in text and "cancelled" in text.splitlines()[-1], text
    assert job["spec"]["stages"] == ["extract", "curate", "mask", "train", "export", "render", "qc", "report"]
    statuses = [s["status"] for s in job["stages"]]
    assert all(s in ("done", "skipped") for s in statuses[:3]) and statuses[3:] == ["cancelled"] + ["pending"] * 4, (
        statuses
    )  # extract, curate, mask had their work done already
    assert "train cancelled" in text, text
    assert job["spec"]["budget"] == "review", "the budget went with the job"
    from faceplate.workspace import open_workspace

    resolved = open_workspace(shot).manifest.last_run("train").parameters["resolved"]
    assert resolved["train"]["iterations"] == 100000 and resolved["train"]["minutes"] is None, "the flag wins"
    assert resolved["budget"]["budget"] == "review" and resolved["targets_from"] == "as set"
