"""Curate building blocks on synthetic numbers: rules, identity cluster, geometry, pose, coverage, decisions."""

from __future__ import annotations

import numpy as np
import pytest

from faceplate.curate.coverage import coverage_report, format_coverage, uncovered_pose_line
from faceplate.curate.decisions import Decision, apply_decisions, merge_decisions, parse_decision_file
from faceplate.curate.identity import dominant_identity
from faceplate.curate.measure import FacesetMeasures
from faceplate.curate.order import histogram_chain
from faceplate.curate.rules import CurateSettings, rule_reasons
from faceplate.errors import CurateError
from faceplate.faces.align import TEMPLATE_51, FaceType, crop_matrix, transform_points
from faceplate.faces.faceset import FaceRecord
from faceplate.faces.geometry import expected_eye_distance, geometry_problem
from faceplate.faces.pose import estimate_pose


def _measures(n, blur=None, identity=None, thumbs=None, pose=None):
    rng = np.random.default_rng(0)
    t = rng.normal(size=(n, 256)).astype(np.float32) if thumbs is None else thumbs
    t /= np.linalg.norm(t, axis=1, keepdims=True)
    return FacesetMeasures(
        blur=np.asarray(blur if blur is not None else [100.0] * n, float),
        identity=np.asarray(identity if identity is not None else [0.2] * n, float),
        identity_faces=n,
        refit=np.full(n, 0.02),
        geometry=[None] * n,
        pose=np.zeros((n, 3)) if pose is None else np.asarray(pose, float),
        thumbs=t,
        hists=rng.random((n, 48)).astype(np.float32),
        shape=np.zeros((n, 136), np.float32),
    )


def test_blur_is_relative_to_the_faceset_median():
    m = _measures(5, blur=[100, 110, 90, 105, 20])
    reasons = rule_reasons(m, list("abcde"), CurateSettings(), "destination")
    assert reasons[:4] == [[], [], [], []]
    assert reasons[4] == ["blur 20.0 < 30.0 (faceset median 100)"]


def test_duplicates_keep_the_sharpest_and_name_it():
    thumbs = np.random.default_rng(1).normal(size=(4, 256)).astype(np.float32)
    thumbs[2] = thumbs[0] + 0.001  # near-copy of face 0, blurrier
    m = _measures(4, blur=[200, 150, 120, 180], thumbs=thumbs)
    reasons = rule_reasons(m, ["f0", "f1", "f2", "f3"], CurateSettings(), "destination")
    assert reasons[0] == [] and reasons[2][0].startswith("duplicate of f0 (similarity")


def test_pose_rule_rejects_source_faces_beyond_the_destination_range():
    m = _measures(3, pose=[[0, 0, 0], [30, 0, 0], [80, 0, 0]])
    dest = np.array([[y, 0, 0] for y in np.linspace(-20, 20, 50)])
    reasons = rule_reasons(m, ["a", "b", "c"], CurateSettings(), "source", dest, "destination")
    assert reasons[0] == [] and reasons[1] == [] and reasons[2][0].startswith("pose yaw 80 outside the destination's")
    assert rule_reasons(m, ["a", "b", "c"], CurateSettings(), "destination", dest, "source")[2] == []


def test_dominant_identity_ignores_a_minority():
    rng = np.random.default_rng(0)
    main = rng.normal(0, 0.02, (20, 128)) + 0.1
    other = rng.normal(0, 0.02, (3, 128)) - 0.1
    centre, members = dominant_identity(np.vstack([main, other]))
    assert members == 20 and np.linalg.norm(centre - 0.1) < 0.2


def test_geometry_flags_landmarks_that_cannot_be_a_face():
    face = np.zeros((68, 2))
    face[17:] = TEMPLATE_51 * 100 + 50
    face[:17] = np.stack([np.linspace(40, 160, 17), 100 + 80 * np.sin(np.linspace(0, np.pi, 17))], 1)
    matrix = crop_matrix(face, FaceType.WHOLE_FACE, 256)
    points = transform_points(face, matrix)
    assert geometry_problem(points, "whole_face", 256) is None
    assert abs(np.linalg.norm(points[45] - points[36]) / expected_eye_distance("whole_face", 256) - 1) < 0.05
    broken = points.copy()
    broken[8] = broken[27]  # chin on the nose bridge
    assert "chin above mouth" in geometry_problem(broken, "whole_face", 256)
    squashed = points.copy()
    squashed[42:48, 0] -= 40  # left eye on top of the right
    assert geometry_problem(squashed, "whole_face", 256) is not None


def test_pose_sign_follows_the_nose():
    face = np.zeros((68, 2))
    face[17:] = TEMPLATE_51 * 100
    face[:17] = np.stack([np.linspace(-10, 110, 17), 60 + 60 * np.sin(np.linspace(0, np.pi, 17))], 1)
    frontal = estimate_pose(face, 128, face)
    turned = face.copy()
    turned[27:36, 0] += 8  # nose shifted towards the image's right
    assert abs(frontal[0]) < 12 and estimate_pose(turned, 128, turned)[0] > frontal[0] + 5


def test_coverage_flags_destination_poses_without_source_by_plate_frame():
    turned = [[50, 0, 0], [52, 3, 0]]  # plate frames 1004 and 1006 turn to 50 degrees; the source never does
    report = coverage_report(
        np.array([[0, 0, 0]] * 5), np.array([[0, 0, 0]] * 3 + turned), [1001, 1002, 1003, 1004, 1006]
    )
    assert report["uncovered"] == [{"yaw": [45, 60], "pitch": [0, 15], "destination_faces": 2, "source_faces": 0}]
    assert report["covered_fraction"] == 0.6 and "!" in format_coverage(report)
    assert report["uncovered_frames"] == "1004,1006" and report["uncovered_frame_count"] == 2
    assert uncovered_pose_line(report) == [
        "pose: plate frames 1004,1006 (2 frames, 40% of the plate's faces) have fewer than 3 source faces at their "
        "angle; the swap will turn or blur there: add source footage at those angles"
    ]
    covered = coverage_report(np.array([[0, 0, 0]] * 5), np.array([[0, 0, 0]] * 2), [1001, 1002])
    assert covered["uncovered_frames"] == "" and uncovered_pose_line(covered) == []


def test_histogram_chain_visits_every_face_once():
    order = histogram_chain(np.random.default_rng(0).random((30, 48)))
    assert sorted(order) == list(range(30))


def test_decision_files_and_precedence(tmp_path):
    text = tmp_path / "d.txt"
    text.write_text("# artist notes\nplate_1001_00\nrestore plate_1002_00 fine really\nforget plate_1003_00\n")
    found = parse_decision_file(text)
    assert [(d.id, d.status, d.note) for d in found] == [
        ("plate_1001_00", "rejected", ""),
        ("plate_1002_00", "kept", "fine really"),
        ("plate_1003_00", "forget", ""),
    ]
    merged = merge_decisions({"plate_1003_00": {"status": "rejected"}}, found)
    assert set(merged) == {"plate_1001_00", "plate_1002_00"}
    records = [
        FaceRecord(
            f"plate_100{i}_00", "plate", 1000 + i, 0, 0, "x.jpg", [], [], [], None, 1.0, [], 1000 + i, reasons=reasons
        )
        for i, reasons in ((1, []), (2, ["blur 1 < 2"]), (3, ["manual reject"]))
    ]
    apply_decisions(records, merged)
    assert [r.status for r in records] == ["rejected", "kept", "kept"]
    assert records[1].reasons == ["manual restore: fine really", "blur 1 < 2"] and records[2].reasons == []
    bad = tmp_path / "bad.txt"
    bad.write_text("approve plate_1001_00 now\n")
    with pytest.raises(CurateError, match="line 1"):
        parse_decision_file(bad)
    with pytest.raises(ValueError, match="vibes"):
        CurateSettings(rules=("blur", "vibes"))
    assert Decision("x", "kept").note == ""
