"""Shot QC on real footage (talking_heads/) with synthetic swaps whose property under test is known:
another speaker's face pasted in (identity, seams), the plate's own face (expression 0, flicker
baseline), the plate's first face frozen over every frame (expression 1), jitter injected into chosen
layer frames (flicker)."""

from __future__ import annotations

import json

import pytest
from qc_helpers import write_swap

from faceplate.cli.main import main
from faceplate.errors import FrameRangeError
from faceplate.stages.runner import run_stage

pytestmark = pytest.mark.slow  # each test runs QC on 16 real frames (a few seconds on 2 cores)


def rows_of(result) -> dict[int, dict]:
    return {row["frame"]: row for row in result.detail["frames"]}


def test_identity_separates_swapped_frames_from_the_plates_own(shot):
    write_swap(shot, frames=list(range(1001, 1009)), face="source")  # 1009-1016 keep the plate's face
    result = run_stage(shot, "qc")
    rows = rows_of(result)
    swapped, plate = [rows[f] for f in range(1001, 1009)], [rows[f] for f in range(1009, 1017)]
    assert all(r["recognised"] for r in swapped), [(r["frame"], r["to_source"], r["to_plate"]) for r in swapped]
    assert not any(r["recognised"] for r in plate), "the plate's own frames score as the destination"
    assert max(r["to_source"] for r in swapped) < min(r["to_source"] for r in plate)
    assert max(r["to_plate"] for r in plate) < min(r["to_plate"] for r in swapped)
    assert result.summary["checks"]["identity_share"]["value"] == pytest.approx(0.5)
    identity = [f for f in result.detail["flags"] if f["reason"].startswith("identity")]
    assert [(f["first"], f["last"]) for f in identity] == [(1009, 1016)]


def test_expression_scores_the_plate_against_itself_0_and_a_frozen_face_1(shot):
    write_swap(shot, face="plate", gain=1.0, feather=0)  # the composite is the plate, bit for bit
    itself = run_stage(shot, "qc")
    assert itself.summary["checks"]["expression_ratio"]["value"] == pytest.approx(0.0, abs=1e-9)
    assert all(row["expression"] == 0 for row in itself.detail["frames"])

    write_swap(shot, face="frozen")  # frame 1001's face moved onto every frame
    frozen = run_stage(shot, "qc")
    # 1 exactly for frozen landmarks (tests/quality); here the landmarks are re-fit on the pasted face
    assert 0.85 <= frozen.summary["checks"]["expression_ratio"]["value"] <= 1.15
    assert not frozen.summary["checks"]["expression_ratio"]["pass"]


def test_jitter_in_two_layer_frames_flags_exactly_those_frames_for_flicker(shot):
    from faceplate_host.shots import Flag, FrameSpan

    write_swap(shot, face="plate", jitter=(1005, 1011))
    result = run_stage(shot, "qc")
    limit = result.detail["limits"]["max_flicker"]
    rows = rows_of(result)
    assert rows[1005]["flicker"] > limit and rows[1011]["flicker"] > limit
    assert max(r["flicker"] for f, r in rows.items() if f not in (1005, 1011)) < limit
    flicker = [f for f in result.detail["flags"] if f["reason"].startswith("flicker")]
    assert [(f["first"], f["last"]) for f in flicker] == [(1005, 1005), (1011, 1011)]
    on_disk = json.loads((shot.root / "qc" / "v001" / "qc.json").read_text())
    flags = [Flag(FrameSpan(f["first"], f["last"]), f["reason"]) for f in on_disk["flags"]]  # what an editor gets
    assert FrameSpan(1005, 1005) in [flag.frames for flag in flags if flag.reason == flicker[0]["reason"]]


def test_a_hard_edged_matte_raises_the_seam_metric(shot):
    write_swap(shot, face="source", feather=4.0)
    soft = rows_of(run_stage(shot, "qc"))
    write_swap(shot, face="source", feather=0)
    hard_result = run_stage(shot, "qc")
    hard = rows_of(hard_result)
    assert all(hard[f]["seam"] > soft[f]["seam"] for f in soft)
    assert sum(r["seam"] for r in hard.values()) > 1.8 * sum(r["seam"] for r in soft.values())
    assert not any("seam" in " ".join(r["reasons"]) for r in soft.values())
    assert any(f["reason"].startswith("seam") for f in hard_result.detail["flags"])


def test_a_second_check_with_nothing_changed_is_skipped_and_a_new_limit_reruns(shot):
    write_swap(shot, face="plate")
    first = run_stage(shot, "qc", {"frames": "1001-1004"})
    assert first.status == "done" and [r["frame"] for r in first.detail["frames"]] == [1001, 1002, 1003, 1004]
    assert run_stage(shot, "qc", {"frames": "1001-1004"}).status == "skipped"
    again = run_stage(shot, "qc", {"frames": "1001-1004", "max_delta_e": 1.0})
    assert again.status == "done" and all(r["reasons"] for r in again.detail["frames"]), "ΔE 2.4 > 1.0 everywhere"


def test_qc_before_a_render_says_so_in_one_line_and_writes_nothing(shot, capsys):
    assert main(["qc", str(shot.root)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no published layer version" in err[0] and "faceplate render" in err[0], err
    assert not (shot.root / "qc").exists()
    write_swap(shot, face="plate")
    with pytest.raises(FrameRangeError, match="outside the shot range"):
        run_stage(shot, "qc", {"frames": "990-1002"})
    assert not (shot.root / "qc").exists()


def test_the_gate_fails_a_failing_shot_with_its_verdict_line_and_passes_a_passing_one(shot, capsys):
    write_swap(shot, face="plate")  # the plate's own face: not the source's identity
    assert main(["qc", str(shot.root), "--gate"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("faceplate: error: QC FAIL v001: fails identity_share"), err
    assert "--gate" in err[0]
    assert (shot.root / "qc" / "v001" / "qc.json").is_file(), "the results are written before the gate fails"
    assert main(["qc", str(shot.root), "--gate"]) == 1, "an up-to-date check fails the gate too"
    assert main(["qc", str(shot.root)]) == 0, "without the gate the verdict is reported, not an error"
    write_swap(shot, face="source")  # the source speaker pasted in: v002, a still paste that fails expression
    assert main(["qc", str(shot.root), "--gate"]) == 1
    assert "QC FAIL v002: fails expression_ratio" in capsys.readouterr().err
    # the supervisor's limit for this shot: what a still paste shows is accepted
    assert main(["qc", str(shot.root), "--gate", "--max-expression-ratio", "2", "--max-expression", "3"]) == 0
    assert "QC PASS v002: every check passes" in capsys.readouterr().err
