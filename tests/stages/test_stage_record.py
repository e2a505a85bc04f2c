"""The stage table is the one record of a stage: its module's ``run``, its settings, its lock mode and the
traits the scheduler, the farm template and the runner act on."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import replace

import pytest

from faceplate.errors import FaceplateError
from faceplate.server.scheduler import _is_heavy
from faceplate.stages import PIPELINE, STAGES, consent_stages, get_stage


def test_every_stage_loads_a_module_whose_run_takes_workspace_settings_and_reporter():
    for name, stage in STAGES.items():
        module = stage.load()
        assert module.__name__ == f"faceplate.stages.{name}"
        assert list(inspect.signature(module.run).parameters) == ["workspace", "settings", "reporter"], name
        assert dataclasses.is_dataclass(stage.settings_class), name


def test_the_traits_say_what_the_front_ends_used_to_read_from_names():
    assert [n for n, s in STAGES.items() if s.heavy] == ["train", "pretrain", "render"]
    assert [n for n, s in STAGES.items() if s.needs_gpu] == ["train", "pretrain"]
    assert [n for n, s in STAGES.items() if s.chunked] == ["render"]
    assert [n for n, s in STAGES.items() if s.takes_budget] == ["mask", "train", "pretrain"]
    assert [s.name for s in consent_stages(PIPELINE)] == ["render"]
    assert PIPELINE == ("extract", "curate", "mask", "train", "export", "render", "qc", "report")
    for stage in STAGES.values():
        assert not stage.chunked or stage.shares_lock, f"{stage.name}: chunks of one shot run at once"
        fields = {f.name for f in dataclasses.fields(stage.settings_class)}
        assert not stage.needs_consent or "waive_consent" in fields, f"{stage.name} cannot be waived"
        assert stage.artifacts and len(set(stage.artifacts)) == len(stage.artifacts), stage.name
        assert stage.takes_budget == ("budget" in fields), f"{stage.name}: a budget field and the targets it clears"


def test_the_scheduler_reads_heavy_from_the_record(monkeypatch):
    assert (_is_heavy("train"), _is_heavy("curate"), _is_heavy("init")) == (True, False, False)
    monkeypatch.setitem(STAGES, "curate", replace(STAGES["curate"], heavy=True))
    assert _is_heavy("curate")
    with pytest.raises(FaceplateError, match="unknown stage 'mystery'; stages: extract, curate"):
        get_stage("mystery")
