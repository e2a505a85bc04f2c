"""A shot held by another program (a CLI run): the job says 'busy', naming the holder, and goes on once it is free."""

from __future__ import annotations

import time

from server_helpers import init_example_shot

from faceplate.workspace.lock import WorkspaceLock


def test_a_job_on_a_locked_shot_waits_busy_then_runs(example, engine_factory):
    roots, plate, source = example
    shot = init_example_shot(roots / "sh_busy", plate, source)
    lock = WorkspaceLock(shot)
    lock.acquire("train")  # as `faceplate train` would
    engine = engine_factory(roots)
    client = engine.client
    manifest_before = (shot / "faceplate.json").read_bytes()
    try:
        job = client.submit(str(shot), stages=["curate"])
        deadline = time.monotonic() + 60
        while (current := client.job(job["id"]))["status"] != "busy":
            assert time.monotonic() < deadline and current["status"] in ("queued", "running"), current
            time.sleep(0.1)
        assert "`train` since" in current["error"] and "busy" in current["error"]
        assert (shot / "faceplate.json").read_bytes() == manifest_before, "nothing touched while busy"
    finally:
        lock.release()
    final = client.watch(job["id"], lambda e: None, poll_s=0.2, timeout_s=60)
    assert final["status"] == "failed" and final["stages"][0]["runs"] >= 2  # it ran once the shot was free
    assert "faceset" in final["error"]
