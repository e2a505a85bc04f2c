"""The QC measure records (``qc.checks.MEASURES``): the settings, the verdict and the report read each one."""

from __future__ import annotations

import dataclasses

import pytest

from faceplate.errors import SettingsError
from faceplate.qc.checks import MEASURES, all_limits
from faceplate.qc.measure import FrameRow
from faceplate.qc.report import badness, reasons_by_measure
from faceplate.qc.settings import QcSettings
from faceplate.qc.verdict import failed_measures, judge_rows, shot_judgement, shot_summary
from faceplate.settings import merge_settings

PASSING = dict(
    face=True,
    to_source=0.3,
    to_plate=0.8,
    expression=0.2,
    pose_diff=[1.0, -2.0, 0.5],
    flicker=1.1,
    seam=1.1,
    delta_e=1.0,
    sharpness=0.9,
)
FAILING = dict(
    to_source=0.7,
    to_plate=0.5,
    expression=1.5,
    pose_diff=[1.0, 30.0, 0.0],
    flicker=3.0,
    seam=3.0,
    delta_e=9.0,
    sharpness=0.1,
)


def test_every_limit_is_a_setting_with_its_default_and_range():
    settings = QcSettings()
    for limit in all_limits():
        assert getattr(settings, limit.field) == limit.default
        with pytest.raises(SettingsError):
            merge_settings(QcSettings, {}, {limit.field: limit.high + 1}, "qc")


def test_a_frame_failing_each_measure_gets_each_reason_and_the_shot_each_check():
    settings = QcSettings()
    good, bad = FrameRow(1001, **PASSING), FrameRow(1002, **{**PASSING, **FAILING})
    judge_rows([good, bad], settings)
    assert good.reasons == []
    named = [m.name for m in MEASURES if m.keys[0] in FAILING or m.name == "identity"]
    assert failed_measures(bad, settings) == named
    assert bad.reasons == [reasons_by_measure(dataclasses.asdict(settings))[n] for n in named]
    summary = shot_summary([bad, bad], shot_judgement([bad], {}, {}), settings)
    assert {m.check for m in MEASURES} == set(summary["checks"])
    assert [n for n, c in summary["checks"].items() if not c["pass"]] == [m.check for m in MEASURES if m.name in named]


def test_badness_is_the_worst_measure_over_its_limit_and_old_results_read_with_defaults():
    limits = {"max_flicker": 2.0}  # a qc.json from before the other limits existed
    assert badness({"flicker": 5.0}, limits) == pytest.approx(2.5)
    assert badness({"sharpness": 0.25}, limits) == pytest.approx(2.0)  # min_sharpness 0.5 by default
    assert badness({"frame": 1001}, limits) == 0.0
    assert "2x the plate's" in reasons_by_measure(limits)["flicker"]
