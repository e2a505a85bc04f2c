"""Training on a real talking_heads/ pair at tiny resolution on the CPU: the loss falls, resume
continues the same curve, a NaN rolls back instead of crashing, previews and plots appear."""

from __future__ import annotations

import json

import pytest
import torch
from training_helpers import TINY_MODEL, tiny_settings

from faceplate.reporting import BaseReporter, RecordingReporter
from faceplate.stages import train as train_stage
from faceplate.training import checkpoint as ckpt
from faceplate.training.settings import train_stage_settings


def train(ws, settings, config, reporter=None):
    return train_stage.run(ws, train_stage_settings(settings, config), reporter or BaseReporter()).detail


class Killed(Exception):
    """Stands in for the process dying: nothing is saved on the way out."""


def _losses(ws) -> dict[int, float]:
    lines = (ws.root / "model" / "loss.jsonl").read_text().splitlines()
    return {r["iteration"]: r["total"] for r in map(json.loads, lines)}


def test_loss_decreases_on_a_real_pair(shot):
    result = train(shot, tiny_settings(iterations=40, checkpoint_every=20, preview_every=20), TINY_MODEL)
    assert result.iterations == 40 and result.stopped_by == "iterations" and result.rollbacks == 0
    curve = [v for _, v in sorted(_losses(shot).items())]
    assert len(curve) == 40
    first, last = sum(curve[:8]) / 8, sum(curve[-8:]) / 8
    assert last < 0.8 * first, f"loss went from {first:.3f} to {last:.3f}"


def test_previews_and_loss_plot_are_written(shot):
    train(shot, tiny_settings(iterations=10, preview_every=5), TINY_MODEL)
    model = shot.root / "model"
    previews = sorted(p.name for p in (model / "previews").glob("*.png"))
    assert previews == ["preview_00000005.png", "preview_00000010.png"]
    import cv2

    grid = cv2.imread(str(model / "previews" / previews[-1]))
    assert grid.shape == (4 * 64, 6 * 64, 3)  # 4 samples x (src, src->src, dst, dst->dst, dst->src, mask)
    assert (model / "loss.png").stat().st_size > 1000
    run = shot.manifest.last_run("train")
    assert run.status == "done" and run.summary["iterations"] == 10 and run.outputs["loss_log"] == "model/loss.jsonl"


def test_resume_after_a_kill_continues_the_same_loss_curve(shot, tmp_path):
    import shutil

    reference = shot.root.parent / "reference"
    shutil.copytree(shot.root, reference)
    from faceplate.workspace import open_workspace

    ref_ws = open_workspace(reference)
    train(ref_ws, tiny_settings(iterations=14), TINY_MODEL)
    expected = _losses(ref_ws)

    def kill_at_12(kind, value):
        if kind == "progress" and value.done == 12:
            raise Killed()

    with pytest.raises(Killed):
        train(shot, tiny_settings(iterations=14), TINY_MODEL, RecordingReporter(on_event=kill_at_12))
    assert ckpt.read_pointer(shot.root / "model", "latest")["iteration"] == 10  # last checkpoint before the kill
    result = train(shot, tiny_settings(iterations=14), TINY_MODEL)
    assert result.start_iteration == 10 and result.iterations == 14
    resumed = _losses(shot)
    assert sorted(resumed) == list(range(1, 15))
    for it in range(1, 15):
        assert resumed[it] == expected[it], f"iteration {it}: the same thread count, so the same sums, at every step"


def test_injected_nan_rolls_back_and_lowers_the_learning_rate(shot, monkeypatch):
    from faceplate.training.trainer import Trainer

    real = Trainer.compute_losses
    fired = []

    def poisoned(self, batch):
        total, terms = real(self, batch)
        if self.iteration == 7 and not fired:
            fired.append(self.iteration)
            return total * float("nan"), terms
        return total, terms

    monkeypatch.setattr(Trainer, "compute_losses", poisoned)
    result = train(shot, tiny_settings(iterations=12), TINY_MODEL)
    assert fired == [7]
    assert result.rollbacks == 1 and result.iterations == 12
    state = ckpt.load_state(shot.root / "model" / "checkpoints" / "00000012")
    assert state["lr_scale"] == pytest.approx(0.5) and state["rollbacks"] == 1
    curve = _losses(shot)
    assert sorted(curve) == list(range(1, 13)) and all(torch.isfinite(torch.tensor(v)) for v in curve.values())
