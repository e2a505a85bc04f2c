"""A job's budget through a real engine: the table's row for this CPU reaches mask and train (the run record and
the profile line show it), the mask model is not trained, a target given wins, and a time-capped train's
progress never shows an ETA past its cap and ends at 100 %."""

from __future__ import annotations

import shutil

import pytest
from server_helpers import TINY

from faceplate.budget import PLANS
from faceplate.workspace import open_workspace

pytestmark = pytest.mark.slow
MODEL = {
    "model": TINY["model"],
    "train": {"batch_size": 2, "min_faces": 2, "checkpoint_every": 10**6, "preview_every": 10**6},
}


def copy_shot(extracted_shot, roots, name):
    return shutil.copytree(extracted_shot, roots / name)


def test_a_preview_job_gets_the_table_row_for_this_cpu_and_no_mask_model(example, extracted_shot, engine_factory):
    roots = example[0]
    shot = copy_shot(extracted_shot, roots, "sh_preview")
    client = engine_factory(roots).client
    job = client.submit(
        str(shot),
        stages=["mask", "train"],
        budget="preview",
        settings={"mask": {"landmark_only": False}, "train": MODEL},
    )
    assert job["spec"]["budget"] == "preview"
    seen = []

    def follow(event):
        seen.append(event)

    # a preview trains 15 minutes here: stop it once its first timed progress is in
    final = client.watch(
        job["id"],
        follow,
        poll_s=0.2,
        timeout_s=300,
        cancelled=lambda: any(e["kind"] == "progress" and e["stage"] == "train" and e["data"]["rate"] for e in seen),
    )
    assert final["status"] == "cancelled", final
    plan = PLANS[("preview", "cpu")]
    mask_run, train_run = (open_workspace(shot).manifest.last_run(name) for name in ("mask", "train"))
    assert mask_run.summary["trained"] is False and mask_run.summary["learned"] is False
    assert mask_run.summary["decided_by"] == "budget preview on cpu"
    assert not (shot / "masks" / "xseg.onnx").exists()
    resolved = train_run.parameters["resolved"]
    assert resolved["budget"] == {
        "budget": "preview",
        "device": "cpu",
        "profile": plan.profile,
        "train_minutes": plan.train_minutes,
        "train_iterations": plan.train_iterations,
        "mask_model": False,
        "mask_iterations": plan.mask_iterations,
    }
    assert resolved["profile"] == plan.profile and resolved["train"]["minutes"] == plan.train_minutes
    assert resolved["train"]["iterations"] is None, "never the 100,000 iterations of a delivery model"
    said = [e["data"]["message"] for e in seen if e["kind"] == "log"]
    assert any("landmark masks, the mask model is not trained" in m for m in said), said
    assert any(m.startswith("profile preview (budget preview on cpu)") and "trains until 15 min" in m for m in said)
    progress = [e["data"] for e in seen if e["kind"] == "progress" and e["stage"] == "train"]
    assert progress and all(p["eta_s"] is None or p["eta_s"] <= 15 * 60 for p in progress)


def test_a_target_given_wins_and_a_capped_train_ends_at_100_percent(example, extracted_shot, engine_factory):
    roots = example[0]
    shot = copy_shot(extracted_shot, roots, "sh_capped")
    client = engine_factory(roots).client
    settings = {"train": {**MODEL, "train": {**MODEL["train"], "minutes": 0.05, "iterations": 10**6}}}
    job = client.submit(str(shot), stages=["train"], budget="final", settings=settings)
    seen = []
    final = client.watch(job["id"], seen.append, poll_s=0.2, timeout_s=300)
    assert final["status"] == "done", final
    assert final["spec"]["budget"] == "final"
    resolved = open_workspace(shot).manifest.last_run("train").parameters["resolved"]
    assert resolved["train"]["minutes"] == 0.05 and resolved["train"]["iterations"] == 10**6, "as given"
    assert resolved["targets_from"] == "as set" and resolved["profile"] == "final", "the tier still picks the profile"
    progress = [e["data"] for e in seen if e["kind"] == "progress" and e["stage"] == "train"]
    assert all(p["eta_s"] is None or p["eta_s"] <= 3.0 for p in progress), "never past the 3 s cap"
    assert all(p["total"] < 10**6 for p in progress if p["rate"]), "the cap, not 1,000,000 it, sets the total"
    assert progress[-1]["done"] == progress[-1]["total"] and progress[-1]["fraction"] == 1.0
    train = next(s for s in final["stages"] if s["name"] == "train")
    assert train["progress"]["fraction"] == 1.0, "the stage the dashboard draws ends at 100 %"


def test_a_budget_the_engine_cannot_read_is_refused_in_one_line(example, extracted_shot, engine_factory):
    from faceplate_host.client import EngineError

    roots = example[0]
    client = engine_factory(roots).client
    with pytest.raises(EngineError) as caught:
        client.submit(str(copy_shot(extracted_shot, roots, "sh_bad")), stages=["train"], budget="30 minutes")
    assert "budget '30 minutes' is not one this engine reads" in str(caught.value)
    assert "\n" not in str(caught.value)
