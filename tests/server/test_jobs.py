"""A tiny shot through a real engine and the real client: every stage, in order, to a comp layer on disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from server_helpers import QUICK_SETTINGS, shot_spec

from faceplate.workspace import open_workspace

pytestmark = pytest.mark.slow


def test_a_new_shot_runs_every_stage_in_order_and_its_artifacts_exist(example, engine_factory):
    roots, plate, source = example
    engine = engine_factory(roots)
    client = engine.client
    job = client.submit(str(roots / "sh010"), settings=QUICK_SETTINGS, shot=shot_spec(plate, source))
    assert job["status"] == "queued"
    stages = ["init", "extract", "curate", "mask", "train", "export", "render", "qc", "report"]
    assert [s["name"] for s in job["stages"]] == stages

    seen = []
    final = client.watch(job["id"], seen.append, poll_s=0.2, timeout_s=600)
    assert final["status"] == "done", final
    assert [e["id"] for e in seen] == sorted(e["id"] for e in seen) and len({e["id"] for e in seen}) == len(seen)
    started = [e["stage"] for e in seen if e["kind"] == "stage" and e["data"]["status"] == "running"]
    assert started == stages
    for task in {e["data"]["task"] for e in seen if e["kind"] == "progress"}:
        done = [e["data"]["done"] for e in seen if e["kind"] == "progress" and e["data"]["task"] == task]
        assert done == sorted(done), f"progress of {task} went backwards: {done}"
    train_progress = [e["data"] for e in seen if e["kind"] == "progress" and e["stage"] == "train"]
    assert train_progress[-1]["done"] == train_progress[-1]["total"] == 3
    assert seen[-1]["kind"] == "job" and seen[-1]["data"]["status"] == "done"

    artifacts = client.artifacts(job["id"])
    layer = artifacts["layer"]
    assert layer["frame_range"] == "1001-1004" and layer["frames_present"] == 4
    frames = sorted(Path(layer["pattern"]).parent.glob("*.exr"))
    assert [p.name.split(".")[1] for p in frames] == ["1001", "1002", "1003", "1004"]
    assert artifacts["onnx"]["exists"] and Path(artifacts["onnx"]["path"]).stat().st_size > 1000
    assert all(Path(p).is_file() for p in artifacts["previews"])
    assert artifacts["qc"]["summary"]["frames"] == 4 and Path(artifacts["report"]["path"]).is_file()
    runs = open_workspace(roots / "sh010").manifest.stages
    assert all(r.status == "done" for r in runs)
