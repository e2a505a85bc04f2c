"""Budgets (faceplate.budget): the text every front end sends, the one table each stage reads for its device,
explicit targets winning over the tier, and a time-capped run's progress (ETA within the cap, 100 % at the end)."""

from __future__ import annotations

import pytest
from training_helpers import random_faces

from faceplate.budget import PLANS, TIERS, budget_changes, check_budget, parse_budget
from faceplate.errors import SettingsError, TrainError
from faceplate.models import ModelConfig
from faceplate.reporting import Meter, RecordingReporter
from faceplate.settings import merge_settings
from faceplate.stages import settings_classes
from faceplate.training import Trainer, TrainSettings
from faceplate.training.loop import TrainLoop
from faceplate.training.profiles import resolve
from faceplate.training.settings import TrainStageSettings

TINY = ModelConfig(resolution=64, ae_dims=16, e_dims=8, d_dims=8, d_mask_dims=4)


@pytest.mark.parametrize(
    "text, tier, minutes, iterations, shown",
    [
        ("preview", "preview", None, None, "preview"),
        (" Final ", "final", None, None, "final"),
        ("30m", "preview", 30, None, "30m"),
        ("1.5h", "preview", 90, None, "90m"),
        ("2h", "preview", 120, None, "2h"),
        ("5000it", "preview", None, 5000, "5000it"),
        (None, "preview", None, None, "preview"),
    ],
)
def test_budget_text_parses_into_a_tier_or_a_figure(text, tier, minutes, iterations, shown):
    budget = parse_budget(text)
    assert (budget.tier, budget.minutes, budget.iterations, str(budget)) == (tier, minutes, iterations, shown)


@pytest.mark.parametrize("text", ["30 minutes", "fast", "0m", "-5it", "1.5it", "m", "10d"])
def test_a_budget_the_engine_cannot_read_is_refused_naming_the_field(text):
    with pytest.raises(ValueError, match="budget"):
        check_budget(text)
    with pytest.raises(SettingsError) as caught:
        merge_settings(TrainStageSettings, None, {"budget": text}, "train")
    assert caught.value.field == "budget" and f"budget {text.strip()!r}" in str(caught.value)


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_each_tier_resolves_to_its_row_of_the_table_on_each_device(tier, device):
    plan = PLANS[(tier, device)]
    resolved = resolve(TrainStageSettings(budget=tier), cuda=device == "cuda", face_type="whole_face")
    assert resolved.profile.name == plan.profile
    assert (resolved.train.minutes, resolved.train.iterations) == (plan.train_minutes, plan.train_iterations)
    record = resolved.record()["budget"]
    assert record["budget"] == tier and record["device"] == device and record["mask_model"] == plan.mask_model
    assert f"({tier}" not in resolved.line() and f"budget {tier} on {device}" in resolved.line()


def test_safe_defaults_a_cpu_preview_trains_minutes_and_no_mask_model():
    cpu = parse_budget(None).plan("cpu")
    assert cpu.train_minutes <= 15 and not cpu.train_iterations and not cpu.mask_model
    unset = resolve(TrainStageSettings(), cuda=False, face_type="whole_face")
    assert unset.train.iterations is None and unset.train.minutes == cpu.train_minutes, "never 100,000 iterations"
    assert all(not PLANS[(t, "cpu")].mask_model for t in ("preview", "review"))


def test_explicit_targets_win_over_the_tier_and_a_figure_keeps_the_tiers_profile():
    given = resolve(TrainStageSettings(budget="final", train={"minutes": 2}), cuda=True, face_type="whole_face")
    assert (given.train.minutes, given.train.iterations, given.profile.name) == (2, None, "final")
    assert "trains until 2 min (as set)" in given.line()
    figure = resolve(TrainStageSettings(budget="5000it"), cuda=False, face_type="whole_face")
    assert (figure.train.iterations, figure.train.minutes, figure.profile.name) == (5000, None, "preview")
    assert figure.record()["budget"]["mask_model"] is False
    assert (
        resolve(TrainStageSettings(budget="final", profile="preview"), cuda=True, face_type="whole_face").profile.name
        == "preview"
    ), "a profile asked for wins"


def test_budget_changes_clear_the_remembered_targets_and_what_is_given_goes_on_top():
    changes = budget_changes("review", settings_classes(["mask", "train", "render"]))
    assert set(changes) == {"mask", "train"}
    remembered = {"train": {"iterations": 100_000, "minutes": None, "until_plateau": False}}
    settings = merge_settings(TrainStageSettings, remembered, changes["train"], "train")
    assert settings.budget == "review" and settings.train.iterations is None
    resolved = resolve(settings, cuda=False, face_type="whole_face")
    assert resolved.train.minutes == PLANS[("review", "cpu")].train_minutes


def test_a_time_capped_meter_never_shows_an_eta_past_the_cap_and_ends_at_100_percent(monkeypatch):
    clock = iter([0.0, 0.0, 1.0, 2.0, 3.0, 3.0])  # start, then an update a second: fixed, whatever the load
    monkeypatch.setattr("faceplate.reporting.time.monotonic", lambda: next(clock))
    reporter = RecordingReporter()
    meter = Meter(reporter, "train", 10**6, unit="it", seconds=5.0)
    for _ in range(3):
        meter.advance()
    meter.finish()
    shown = [(u.done, u.total, u.eta_s) for u in reporter.of("progress")]
    # at 1 it/s, 5 s hold 5 iterations: the total is what the cap allows, the ETA the time left
    assert shown == [(0, 10**6, 5.0), (1, 5, 4.0), (2, 5, 3.0), (3, 5, 2.0), (3, 3, 0.0)]
    assert reporter.of("progress")[-1].fraction == 1.0


def test_a_minutes_capped_train_reports_the_cap_and_ends_done(tmp_path):
    settings = TrainSettings(
        iterations=10**6,
        minutes=0.02,
        batch_size=2,
        lr_warmup=1,
        checkpoint_every=10**6,
        preview_every=10**6,
        device="cpu",
    )
    reporter = RecordingReporter()
    result = TrainLoop(
        Trainer(TINY, settings), random_faces(res=64), random_faces(res=64, seed=1), tmp_path / "m", reporter
    ).run()
    updates = [u for u in reporter.of("progress") if u.task == "train"]
    assert result.stopped_by == "minutes"
    assert all(u.eta_s is None or u.eta_s <= 0.02 * 60 for u in updates), "never past the 1.2 s cap"
    assert all(u.total is not None and u.total <= 10**6 for u in updates)
    assert all(u.total < 10**6 for u in updates if u.rate), "once the rate is known the cap sets the total"
    last = updates[-1]
    assert last.done == last.total == result.iterations and last.fraction == 1.0


def test_training_without_any_target_is_refused(tmp_path):
    with pytest.raises(TrainError, match="needs a target"):
        TrainLoop(
            Trainer(TINY, TrainSettings(device="cpu")),
            random_faces(res=64),
            random_faces(res=64, seed=1),
            tmp_path / "m",
        ).run()
