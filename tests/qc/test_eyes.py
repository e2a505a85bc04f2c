"""The eye-openness measure on a plate that blinks: the GRID speaker of tests/qc closes their eyes over plate
frames 1036-1040 (dlib's eye aspect ratio ~0.19 against ~0.32 open, measured over the whole clip). A swap that
is the plate keeps the blink; the plate's first face frozen over every frame loses it, and QC says where."""

from __future__ import annotations

import json
import shutil

import pytest
from qc_helpers import write_swap

from conftest import extract_shot
from faceplate.qc.outcome import shot_verdict
from faceplate.stages.runner import run_stage
from faceplate.workspace import open_workspace

pytestmark = pytest.mark.slow  # QC on 16 real frames

BLINK = range(1036, 1041)
OPEN = range(1030, 1034)


@pytest.fixture(scope="module")
def blinking_shot(test_data, tmp_path_factory):
    return extract_shot(test_data, tmp_path_factory.mktemp("blink"), "1030-1045")


@pytest.fixture
def shot(blinking_shot, tmp_path):
    shutil.copytree(blinking_shot, tmp_path / "shot", symlinks=True)
    return open_workspace(tmp_path / "shot")


def test_a_swap_that_keeps_the_blink_passes_the_eyes_check(shot):
    write_swap(shot, face="plate", gain=1.0, feather=0)
    result = run_stage(shot, "qc")
    assert result.summary["checks"]["eyes"]["pass"], result.summary["checks"]["eyes"]
    assert not [f for f in result.detail["flags"] if f["reason"].startswith("eyes")]


def test_a_frozen_face_loses_the_blink_and_qc_flags_those_frames(shot):
    write_swap(shot, face="frozen")  # frame 1030's open eyes on every frame
    result = run_stage(shot, "qc")
    rows = {r["frame"]: r for r in result.detail["frames"]}
    limit = result.detail["limits"]["max_eyes"]
    assert min(rows[f]["eyes"] for f in BLINK) > limit > max(rows[f]["eyes"] for f in OPEN), {
        f: rows[f]["eyes"] for f in rows
    }
    flagged = {
        f
        for flag in result.detail["flags"]
        if flag["reason"].startswith("eyes")
        for f in range(flag["first"], flag["last"] + 1)
    }
    assert set(BLINK) <= flagged and not flagged & set(OPEN), sorted(flagged)

    qc = json.loads((shot.root / "qc" / "v001" / "qc.json").read_text())
    assert qc["summary"]["checks"]["eyes"]["pass"] is False
    verdict = shot_verdict(shot.root)
    assert "eyes" in verdict["failed_checks"] and "eyes" in verdict["line"], verdict

    page = run_stage(shot, "report")
    report = json.loads((shot.root / page.outputs["json"]).read_text())
    assert report["summary"]["checks"]["eyes"]["pass"] is False
    html = (shot.root / page.outputs["html"]).read_text()
    assert "<td>eyes</td>" in html and "eyes: openness differs" in html, page.lines
