"""Curate says, before training, when the source cannot act the plate: real talking heads (GRID).

The shared shot's plate speaker (lrwp9a) talks through frames 1001-1020; its source (lwbsza) with
every open-mouthed face rejected by hand is a source that never opens its mouth. The pair the other
way round (lrwp9a, who opens wider, as the source of lwbsza) is well covered.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from faceplate.curate.expression import FEATURES, expression_features
from faceplate.faces.faceset import read_faceset
from faceplate.media.frames import parse_frame_spans
from faceplate.stages.runner import run_stage
from faceplate.workspace import init_workspace, open_workspace

CLOSED = 0.04  # inner-lip gap / eye distance under which a mouth counts as shut


@pytest.fixture
def shot(talking_heads_extracted, tmp_path):
    shutil.copytree(talking_heads_extracted, tmp_path / "shot")
    return tmp_path / "shot"


def _curate(root, **settings):
    return run_stage(open_workspace(root), "curate", {"roles": ["source", "destination"], "rules": [], **settings})


def _mouths(root, role) -> dict[str, float]:
    return {
        r.id: expression_features(r.landmarks_array)["mouth"] for r in read_faceset(root / "facesets" / role).records
    }


def test_a_source_that_never_opens_its_mouth_is_flagged_with_the_plate_frames(shot):
    plate_mouths = _mouths(shot, "destination")
    assert max(plate_mouths.values()) > 3 * CLOSED, "the plate speaker opens the mouth"
    open_source = [i for i, m in _mouths(shot, "source").items() if m > CLOSED]
    result = _curate(shot, reject=open_source, note="closed mouths only")

    report = json.loads((shot / "facesets" / "expression.json").read_text())
    mouth = report["features"]["mouth"]
    assert mouth["source_range"][1] <= CLOSED + 1e-3
    flagged = {f for span in parse_frame_spans(mouth["uncovered_frames"]) for f in span}
    records = read_faceset(shot / "facesets" / "destination").records
    mouth_rule = FEATURES["mouth"]
    wide = {
        r.frame
        for r in records
        if plate_mouths[r.id] - max(mouth_rule.tolerance, mouth_rule.share * plate_mouths[r.id]) > CLOSED + 0.01
    }
    assert wide and wide <= flagged, "every frame opening wider than any source face is named"
    line = next(line for line in result.lines if line.startswith("expression: mouth opening"))
    assert mouth["uncovered_frames"] in line and "add source footage" in line
    # the review sheet shows the same table
    page = run_stage(open_workspace(shot), "review", {"roles": ["source", "destination"]}).detail
    assert "Expression coverage" in page.read_text() and mouth["uncovered_frames"] in page.read_text()


@pytest.fixture
def covered_shot(test_data, tmp_path):
    heads = test_data / "talking_heads"
    ws = init_workspace(tmp_path / "shot", heads / "grid_lwbsza.mpg", "1001-1020", sources=[heads / "grid_lrwp9a.mpg"])
    run_stage(ws, "extract", {"crop_size": 64})  # every source frame: a sparser source leaves gaps in the mouth's range
    return ws.root


def test_a_talking_source_covers_a_talking_plate(covered_shot):
    result = _curate(covered_shot)
    report = json.loads((covered_shot / "facesets" / "expression.json").read_text())
    assert report["features"]["mouth"]["uncovered"] == 0
    assert not any(line.startswith("expression: mouth") for line in result.lines)
    assert report["covered_fraction"] >= 0.9
    assert np.isfinite([v for f in report["features"].values() for v in f["plate_range"]]).all()
