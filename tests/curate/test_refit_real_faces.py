"""The landmark re-fit check on real faces (FACEPLATE_TEST_DATA): turned faces with glasses pass, broken
landmarks fail. stills/2008_002506.jpg: three men; the right one wears glasses and is turned about 30
degrees (three-quarter), the left one is turned about 35 degrees the other way."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from faceplate.curate.rules import CurateSettings
from faceplate.faces.faceset import read_faceset
from faceplate.settings import remembered
from faceplate.stages.runner import run_stage
from faceplate.workspace import init_workspace


@pytest.fixture(scope="module")
def three_men(test_data, tmp_path_factory):
    ws = init_workspace(tmp_path_factory.mktemp("refit") / "shot", test_data / "stills" / "2008_002506.jpg")
    run_stage(ws, "extract", {"roles": "destination", "all_faces": True, "upsample": 1, "crop_size": 256})
    return ws


def _add_shifted_copy(ws, record, fraction: float) -> str:
    """A copy of ``record`` whose landmarks sit ``fraction`` of the face's width to the right of the face
    (same crop, same box): landmarks that do not lie on the face they claim to describe."""
    fs = read_faceset(ws.faceset_dir("destination"))
    broken = copy.deepcopy(record)
    points = np.asarray(broken.landmarks, np.float64)
    points[:, 0] += fraction * (points[:, 0].max() - points[:, 0].min())
    broken.id, broken.frame, broken.landmarks = "plate_1002_00", 1002, points.tolist()
    fs.records.append(broken)
    fs.save()
    return broken.id


def test_three_quarter_faces_with_glasses_pass_and_shifted_landmarks_fail(three_men):
    ws = three_men
    records = read_faceset(ws.faceset_dir("destination")).records
    assert len(records) == 3
    glasses = max(records, key=lambda r: r.box[0])  # the man on the right
    broken = _add_shifted_copy(ws, glasses, 0.5)
    # only the landmark rule: the three are different people, and the broken copy is a duplicate image
    run_stage(ws, "curate", {"roles": ("destination",), **remembered(CurateSettings()), "rules": ("landmarks",)})
    curated = {r.id: r for r in read_faceset(ws.faceset_dir("destination")).records}
    real = [r for i, r in curated.items() if i != broken]
    assert all(r.kept for r in real), {r.id: (r.pose, r.scores, r.reasons) for r in real}
    turned = [r for r in real if abs(r.pose[0]) >= 25]
    assert len(turned) == 2, [r.pose for r in real]  # both side men are three-quarter views
    assert not curated[broken].kept
    assert curated[broken].reasons[0].startswith("landmarks:"), curated[broken].reasons
