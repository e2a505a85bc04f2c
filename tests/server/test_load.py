"""Bounded load on loopback: 100 concurrent status requests and 20 concurrent submissions, zero errors,
every job recorded once."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from server_helpers import init_example_shot

from faceplate_host.client import EngineError


def test_concurrent_status_requests_and_submissions(example, engine_factory, tmp_path):
    roots, plate, source = example
    shot = init_example_shot(roots / "sh_load", plate, source)
    engine = engine_factory(roots)
    client = engine.client
    first = client.submit(str(shot), stages=["review"])

    with ThreadPoolExecutor(max_workers=120) as pool:  # every request answered, none lost (how fast: not here)
        statuses = [pool.submit(client.job, first["id"]) for _ in range(100)]
        submitted = [pool.submit(client.submit, str(shot), ["review"]) for _ in range(20)]
        answers = [f.result(timeout=600) for f in statuses]
        jobs = [f.result(timeout=600) for f in submitted]
    assert all(a["id"] == first["id"] for a in answers)
    ids = [j["id"] for j in jobs]
    assert len(set(ids)) == 20
    recorded = [j["id"] for j in client.jobs()]
    assert sorted(recorded) == sorted(ids + [first["id"]]), "every job recorded once"

    for job_id in recorded:  # leave nothing running: queued jobs stop at once, a running one at its next safe point
        try:
            client.cancel(job_id)
        except EngineError as exc:
            assert exc.code == "job_conflict", exc  # it finished already
    deadline = time.monotonic() + 600  # a hang guard
    while any(j["status"] not in ("done", "failed", "cancelled") for j in client.jobs()):
        assert time.monotonic() < deadline, "jobs did not stop"
        time.sleep(0.2)
    assert engine.healthy()
