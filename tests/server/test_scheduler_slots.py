"""The scheduler gives heavy stages (the stage record's ``heavy``: train, render) ``gpu_slots`` places at
once and light ones their own: a second train waits for the first, a curate on another shot does not.
Nothing here depends on speed: the first train runs until the test cancels it, after the curate is done."""

from __future__ import annotations

import shutil
import time

import pytest
from server_helpers import QUICK_SETTINGS

from faceplate.server.config import ServerConfig
from faceplate.server.scheduler import Scheduler
from faceplate.server.store import Store

pytestmark = pytest.mark.slow
DEADLINE_S = 600.0  # a hang guard only: every wait below ends on a state, not a time


def _wait_for(store: Store, job_id: str, ready) -> dict:
    began = time.monotonic()
    while not ready(job := store.get_job(job_id)):
        assert time.monotonic() - began < DEADLINE_S, f"job {job_id} is still {job['status']}"
        time.sleep(0.1)
    return job


def _submit(scheduler: Scheduler, store: Store, job_id: str, shot, stage: str, settings: dict) -> None:
    with scheduler.lock:  # as the API does: record the job, then wake the scheduler
        store.create_job(job_id, str(shot), {"workspace": str(shot), "stages": [stage], "settings": settings}, [stage])
    scheduler.wake()


def test_a_second_heavy_stage_waits_for_the_slot_while_a_light_one_runs_beside(example, extracted_shot, tmp_path):
    shots = [shutil.copytree(extracted_shot, tmp_path / name) for name in ("a", "b", "c")]
    roots = (tmp_path, example[0])  # the shots and the media they read: the worker checks both
    config = ServerConfig(data_dir=tmp_path / "data", roots=roots, gpu_slots=1, cpu_workers=2, warm_worker=False)
    store = Store(config.db_path)
    scheduler = Scheduler(config, store)
    scheduler.start()
    endless = {"train": QUICK_SETTINGS["train"] | {"train": QUICK_SETTINGS["train"]["train"] | {"iterations": 10**6}}}
    try:
        _submit(scheduler, store, "first", shots[0], "train", endless)
        _wait_for(store, "first", lambda j: (j["stages"][0]["progress"] or {}).get("done", 0) >= 1)
        _submit(scheduler, store, "second", shots[1], "train", {"train": QUICK_SETTINGS["train"]})
        _submit(scheduler, store, "light", shots[2], "curate", {"curate": QUICK_SETTINGS["curate"]})
        light = _wait_for(store, "light", lambda j: j["status"] in ("done", "failed", "cancelled"))
        assert light["status"] == "done", light["error"]
        assert store.get_job("second")["stages"][0]["status"] == "pending", "the one heavy slot is taken"
        assert store.get_job("first")["status"] == "running"
        with scheduler.lock:  # as the API's cancel does
            store.update_job("first", {"cancel": "requested", "stage": "train"}, cancel=1)
        scheduler.wake()
        second = _wait_for(store, "second", lambda j: j["status"] in ("done", "failed", "cancelled"))
        first = store.get_job("first")
    finally:
        scheduler.stop()
    assert first["status"] == "cancelled" and second["status"] == "done", (first["error"], second["error"])
    assert second["stages"][0]["started"] >= first["stages"][0]["finished"], "it started once the slot was free"
