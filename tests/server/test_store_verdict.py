"""The job store keeps a job's QC verdict; a store written before jobs had one gains the column on open."""

from __future__ import annotations

import sqlite3

from faceplate.server.store import SCHEMA, Store


def test_a_store_from_before_verdicts_opens_and_keeps_one(tmp_path):
    path = tmp_path / "jobs.sqlite"
    with sqlite3.connect(path) as db:  # the jobs table as it was: no verdict column
        db.executescript(SCHEMA.replace(", verdict TEXT);", ");", 1))
    assert "verdict" not in {row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(jobs)")}
    store = Store(path)
    job = store.create_job("j1", "/shots/sh010", {"stages": ["qc"]}, ["qc"])
    assert job["verdict"] is None
    verdict = {
        "version": "v002",
        "passed": False,
        "failed_checks": ["flicker"],
        "flags": [],
        "line": "QC FAIL v002: fails flicker; 0 frame(s) flagged in 0 range(s)",
    }
    store.update_job("j1", {"verdict": verdict}, verdict=verdict)
    assert Store(path).get_job("j1")["verdict"] == verdict
    assert store.events("j1")[-1]["data"] == {"verdict": verdict}
    store.update_job("j1", verdict=None)
    assert store.get_job("j1")["verdict"] is None
