"""Job parameters and limits through the real OpenJD runtime (`openjd run`): with the QC gate a shot that fails QC
fails its job with the report's verdict line, without it the same shot's job succeeds with the verdict in the log;
a hung task is ended by its step's timeout."""

from __future__ import annotations

import re
import stat
import sys
from pathlib import Path

import pytest
import yaml
from farm_helpers import example, export, run_job, tiny_shot

from faceplate import __version__
from faceplate.farm.local import failure_line, remember_settings
from faceplate.workspace import open_workspace

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> tuple[str, str]:
    return example(tmp_path_factory.mktemp("limits_media"))


def test_the_qc_gate_fails_the_job_of_a_shot_failing_qc_and_without_it_the_job_succeeds(tmp_path, media):
    shot = tiny_shot(tmp_path / "shots" / "sh010", media, "1001-1002")
    remember_settings(open_workspace(shot), {"qc": {"max_pose_deg": 0.0}})  # no swapped head matches the plate exactly
    template, parameters = export([shot], tmp_path / "job", gate=True)
    gated = run_job(template, parameters)
    assert gated.returncode != 0, gated.stdout[-3000:]
    assert re.findall(r"Running step '([^']+)'", gated.stdout)[-2:] == ["render", "qc"], "report never starts"
    reason = failure_line(gated.stdout)
    assert reason.startswith("QC FAIL v001: fails ") and reason.endswith("(the QC gate is on: --gate)"), reason
    assert "pose_diff_deg" in reason
    ungated = run_job(template, parameters, "--job-param", "QcGate=no-gate")  # the whole job again, gate off
    assert ungated.returncode == 0, ungated.stdout[-3000:]
    assert re.findall(r"Running step '([^']+)'", ungated.stdout)[-2:] == ["qc", "report"]
    # the job again re-exports the model (export has no up-to-date check), so render publishes v002: its verdict
    verdicts = re.findall(r"QC (?:PASS|FAIL) v\d+: .*", ungated.stdout)
    assert len(verdicts) == 1 and re.match(r"QC FAIL v\d{3}: fails .*pose_diff_deg", verdicts[0]), verdicts
    assert failure_line(ungated.stdout) is None
    assert "Session ended successfully" in ungated.stdout
    assert [r.status for r in open_workspace(shot).manifest.runs_of("report")] == ["done"]


def test_a_hung_task_is_ended_by_its_steps_timeout(tmp_path, media):
    shot = tiny_shot(tmp_path / "shots" / "sh010", media, "1001-1002")
    template, parameters = export([shot], tmp_path / "job")
    document = yaml.safe_load(template.read_text())
    media_step = document["steps"][0]
    assert media_step["script"]["actions"]["onRun"]["timeout"] >= 3600, "the exported ceiling"
    media_step["script"]["actions"]["onRun"]["timeout"] = 2  # the same step, a ceiling a test can wait for
    template.write_text(yaml.safe_dump(document, sort_keys=False))
    hang = tmp_path / "hung_faceplate"  # an engine that never returns
    hang.write_text(
        f"#!{sys.executable}\nimport time\nprint('engine started', flush=True)\ntime.sleep(600)\n"
        "print('engine finished', flush=True)\n"
    )
    hang.chmod(hang.stat().st_mode | stat.S_IXUSR)
    done = run_job(template, parameters, "--job-param", f"Faceplate={hang}", "--step", "media")
    assert done.returncode != 0
    assert "engine started" in done.stdout and "engine finished" not in done.stdout
    assert "TIMEOUT - Runtime limit reached" in done.stdout, done.stdout[-3000:]


def test_the_engine_environment_puts_the_checked_venv_first_on_path_before_any_step(tmp_path, media):
    shot = tiny_shot(tmp_path / "shots" / "sh010", media, "1001-1002")
    template, parameters = export([shot], tmp_path / "job", venv=Path(sys.prefix))
    done = run_job(template, parameters, "--job-param", "Faceplate=faceplate", "--step", "media")
    assert done.returncode == 0, done.stdout[-3000:]
    assert f"faceplate: engine faceplate {__version__} at {sys.prefix}" in done.stdout
    assert len(open_workspace(shot).manifest.runs_of("relink")) == 1, "the media step ran `faceplate` from PATH"


@pytest.mark.parametrize(
    "engine, expected",
    [
        (None, "no Faceplate engine at {venv}/bin/faceplate on "),
        ("faceplate 0.0.1", "the engine at {venv} is faceplate 0.0.1 on "),
    ],
)
def test_a_node_without_the_exporters_engine_fails_with_one_line_before_any_step(tmp_path, media, engine, expected):
    shot = tiny_shot(tmp_path / "shots" / "sh010", media, "1001-1002")
    venv = tmp_path / "node_venv"
    (venv / "bin").mkdir(parents=True)
    if engine:
        fake = venv / "bin" / "faceplate"
        fake.write_text(f"#!/bin/sh\necho '{engine}'\n")
        fake.chmod(0o755)
    template, parameters = export([shot], tmp_path / "job", venv=venv)
    done = run_job(template, parameters, "--step", "media", "--job-param", "EngineInstall=")  # never make it
    assert done.returncode != 0
    reason = failure_line(done.stdout)
    assert reason.startswith(expected.format(venv=venv)) and f"faceplate=={__version__}" in reason, reason
    assert open_workspace(shot).manifest.runs_of("relink") == [], "no step ran"
