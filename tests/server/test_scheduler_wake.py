"""The scheduler acts on a change at once, not at its next tick: a job submitted is started, and a job
whose last worker exits is finished, with the safety-net tick set far beyond the test's deadline."""

from __future__ import annotations

import shutil
import time

import pytest

from faceplate.server.config import ServerConfig
from faceplate.server.scheduler import Scheduler
from faceplate.server.store import Store

TICK_S = 3600.0  # the loop's safety net; every wait below gives up long before it
DEADLINE_S = 600.0  # only so a broken wake-up fails rather than hangs: a loaded machine may take minutes


@pytest.mark.parametrize("warm_worker", [True, False], ids=["warm-worker", "fresh-worker"])
def test_submitted_job_runs_and_finishes_without_waiting_for_a_tick(example, extracted_shot, tmp_path, warm_worker):
    shot = tmp_path / "shot"
    shutil.copytree(extracted_shot, shot)
    roots = (tmp_path, example[0])  # the shot and the media it reads: the worker checks both
    config = ServerConfig(data_dir=tmp_path / "data", roots=roots, tick_s=TICK_S, warm_worker=warm_worker)
    store = Store(config.db_path)
    scheduler = Scheduler(config, store)
    scheduler.start()
    try:
        began = time.monotonic()
        with scheduler.lock:  # as the API does: record the job, then wake the scheduler
            store.create_job(
                "job1", str(shot), {"workspace": str(shot), "stages": ["extract"], "settings": {}}, ["extract"]
            )
        scheduler.wake()
        while store.get_job("job1")["status"] not in ("done", "failed", "cancelled"):
            assert time.monotonic() - began < DEADLINE_S, f"the job is still {store.get_job('job1')['status']}"
            time.sleep(0.05)
        job = store.get_job("job1")
        assert job["status"] == "done", job["error"]
        assert [(s["name"], s["status"], s["runs"]) for s in job["stages"]] == [("extract", "skipped", 1)]
    finally:
        scheduler.stop()
