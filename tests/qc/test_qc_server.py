"""QC and the report as server jobs: a real engine on loopback runs them on a shot, and its artifacts
endpoint answers where the QC results and the report are, with the shot's summary and flagged ranges; the
job carries the QC verdict, and a job with the QC gate fails on a shot that fails QC."""

from __future__ import annotations

from pathlib import Path

import pytest
from qc_helpers import load_test_module, write_swap

pytestmark = pytest.mark.slow


def test_a_qc_and_report_job_lists_its_results_in_the_artifacts(shot, test_data, tmp_path):
    write_swap(shot, face="plate", jitter=(1007,))
    roots = [shot.root.parent, test_data / "talking_heads"]  # the shot and the plate it reads
    engine = load_test_module("server_helpers").start_engine(roots, tmp_path / "data")
    try:
        client = engine.client
        job = client.submit(str(shot.root), stages=["qc", "report"])
        done = client.watch(job["id"], lambda event: None, timeout_s=120)
        assert done["status"] == "done", done
        artifacts = client.artifacts(job["id"])
        verdict = client.job(job["id"])["verdict"]
        gated = client.submit(str(shot.root), stages=["qc"], settings={"qc": {"gate": True}})
        failed = client.watch(gated["id"], lambda event: None, timeout_s=120)
    finally:
        engine.stop()
    # the plate's own face regraded: the shot is not the source's identity
    assert verdict["version"] == "v001" and verdict["passed"] is False
    assert verdict["failed_checks"] == ["identity_share"] and verdict["line"].startswith("QC FAIL v001")
    assert {"first": 1007, "last": 1007, "reason": "flicker: above 2x the plate's"} in verdict["flags"]
    assert failed["status"] == "failed" and failed["verdict"] == verdict
    assert failed["error"].startswith("QC FAIL v001: fails identity_share"), failed["error"]
    assert artifacts["layer"]["version"] == "v001" and [v["version"] for v in artifacts["versions"]] == ["v001"]
    qc = artifacts["qc"]
    assert Path(qc["path"]) == shot.root / "qc" / "v001" / "qc.json"
    assert {"first": 1007, "last": 1007, "reason": "flicker: above 2x the plate's"} in qc["flags"]
    assert qc["summary"]["frames"] == 16 and qc["summary"]["checks"]["flicker"]["pass"]
    assert Path(artifacts["report"]["path"]) == shot.root / "report" / "v001" / "index.html"
    assert Path(artifacts["report"]["path"]).is_file()
