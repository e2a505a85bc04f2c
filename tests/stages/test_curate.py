"""Curate and review on real stills (FACEPLATE_TEST_DATA): John_Salley's 11 photos mixed with 3 of
another person, a blurred copy (Gaussian sigma 4) of one of his faces and a duplicated photo."""

from __future__ import annotations

import copy
import html
import json
import shutil

import cv2
import numpy as np
import pytest

from faceplate.cli.main import main
from faceplate.curate.measure import histogram_feature
from faceplate.curate.rules import CurateSettings
from faceplate.errors import CurateError, StageCancelled
from faceplate.faces.faceset import read_faceset
from faceplate.faces.pipeline import blur_score
from faceplate.reporting import RecordingReporter
from faceplate.settings import remembered
from faceplate.stages.runner import run_stage
from faceplate.workspace import init_workspace, open_workspace

DEST = ("destination",)
DEFAULTS = remembered(CurateSettings())  # given on every run, so no test depends on what an earlier one remembered


@pytest.fixture(scope="module")
def mixed_shot(test_data, tmp_path_factory):
    """Workspace whose destination faceset holds the mix; returns (root, {id: what it is})."""
    tmp = tmp_path_factory.mktemp("curate")
    folder = tmp / "stills"
    folder.mkdir()
    salley = sorted((test_data / "identities" / "John_Salley").glob("*.jpg"))
    other = sorted((test_data / "identities" / "John_Savage").glob("*.jpg"))[:3]
    for i, path in enumerate(salley):
        shutil.copy(path, folder / f"a{i:02d}.jpg")
    for i, path in enumerate(other):
        shutil.copy(path, folder / f"b{i:02d}.jpg")
    shutil.copy(salley[5], folder / "c00.jpg")  # the duplicate of a05
    ws = init_workspace(tmp / "shot", folder)
    run_stage(ws, "extract", {"roles": "destination", "crop_size": 128, "upsample": 1, "all_faces": True})
    fs = read_faceset(ws.faceset_dir("destination"))
    names = sorted(p.name for p in folder.iterdir())
    what = {r.id: names[r.frame - 1001][0] for r in fs.records}  # a = Salley, b = other, c = duplicate
    blurred = _add_blurred_copy(fs, next(r for r in fs.records if what[r.id] == "a"))
    what[blurred] = "blurred"
    return ws.root, what


def _add_blurred_copy(fs, record) -> str:
    """A Gaussian-blurred (sigma 4) copy of a face's crop, added to the faceset as a new face."""
    crop = cv2.imread(str(fs.crop_path(record)))
    blurred = cv2.GaussianBlur(crop, (0, 0), 4)
    copy_ = copy.deepcopy(record)
    copy_.id, copy_.frame, copy_.image = "plate_1999_00", 1999, "faces/plate_1999_00.jpg"
    cv2.imwrite(str(fs.folder / copy_.image), blurred)
    copy_.blur = blur_score(np.ascontiguousarray(blurred[..., ::-1]))
    fs.records.append(copy_)
    fs.save()
    return copy_.id


@pytest.fixture
def fresh_shot(mixed_shot, tmp_path):
    """A copy of the mixed shot, for tests that change what the shot remembers."""
    root, what = mixed_shot
    shutil.copytree(root, tmp_path / "shot")
    return tmp_path / "shot", what


def _curate(root, decisions: dict | None = None, reporter=None, **settings):
    return run_stage(
        open_workspace(root), "curate", {"roles": DEST, **DEFAULTS, **(decisions or {}), **settings}, reporter
    )


def _curated(root, **settings):
    result = _curate(root, **settings)
    return result.detail["destination"], _records(root)


def _records(root) -> dict:
    return {r.id: r for r in read_faceset(root / "facesets" / "destination").records}


def _snapshot(root) -> dict:
    return {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_identity_blur_and_duplicate_rules(mixed_shot):
    root, what = mixed_shot
    result, records = _curated(root)
    others = [r for i, r in records.items() if what[i] == "b"]
    salley = [r for i, r in records.items() if what[i] == "a"]
    assert len(others) == 3 and len(salley) == 11
    assert all(not r.kept and any(x.startswith("identity") for x in r.reasons) for r in others), [
        r.reasons for r in others
    ]
    assert sum(r.kept for r in salley) >= 10, {r.id: r.reasons for r in salley}
    blurred = next(r for i, r in records.items() if what[i] == "blurred")
    assert not blurred.kept and blurred.reasons[0].startswith("blur ") and "faceset median" in blurred.reasons[0]
    duplicate = next(r for i, r in records.items() if what[i] == "c")
    original = records[f"plate_{1001 + 5}_00"]
    assert [r.kept for r in (duplicate, original)].count(True) == 1
    loser = duplicate if not duplicate.kept else original
    assert loser.reasons[0].startswith("duplicate of"), loser.reasons
    assert all(r.pose and len(r.pose) == 3 and "identity" in r.scores for r in records.values())
    assert result.kept == sum(r.kept for r in records.values()) and result.faces_per_second > 0


def test_manual_decisions_win_and_persist(mixed_shot):
    root, what = mixed_shot
    other = next(i for i, w in what.items() if w == "b")
    good = next(i for i, w in what.items() if w == "a")
    _curate(root, {"restore": [other], "note": "stunt double is fine"})
    _curate(root, {"reject": [good]})
    _, records = _curated(root)  # next run, no decisions given: decisions.json still applies
    assert records[other].kept and records[other].reasons[0] == "manual restore: stunt double is fine"
    assert any(r.startswith("identity") for r in records[other].reasons)  # the rule's opinion stays visible
    assert not records[good].kept and records[good].reasons == ["manual reject"]
    _curate(root, {"forget": [other, good]})
    _, records = _curated(root)
    assert not records[other].kept and records[good].kept and not records[good].reasons


def test_unknown_id_and_everything_rejected_write_nothing(fresh_shot):
    root, _ = fresh_shot
    index = root / "facesets" / "destination" / "index.jsonl"
    before = _snapshot(root)
    with pytest.raises(CurateError, match="plate_9999_00"):
        _curate(root, {"reject": ["plate_9999_00"]})
    assert _snapshot(root) == before  # refused before the run was recorded: the shot is byte-identical
    with pytest.raises(CurateError, match="every one of the"):
        _curate(root, blur_fraction=100.0)
    assert index.read_bytes() == before[index.relative_to(root)]


@pytest.mark.parametrize("key", ["yaw", "pitch", "blur", "identity", "histogram"])
def test_sort_orders_reorder_the_index(mixed_shot, key):
    root, _ = mixed_shot
    _curated(root, sort="identity" if key != "identity" else "yaw")  # start from another order
    _, records = _curated(root, sort=key)
    ordered = list(records.values())
    assert len(ordered) == 16
    values = {
        "yaw": [r.pose[0] for r in ordered],
        "pitch": [r.pose[1] for r in ordered],
        "blur": [r.blur for r in ordered],
        "identity": [-r.scores["identity"] for r in ordered],
    }
    if key in values:
        assert values[key] == sorted(values[key]), key  # yaw, pitch, blur ascending; identity farthest first
    else:
        _assert_nearest_histogram_chain(root, ordered)


def _assert_nearest_histogram_chain(root, ordered) -> None:
    """Each face is followed by the remaining face whose colour histogram is nearest to it."""
    fs = read_faceset(root / "facesets" / "destination")
    hists = np.stack([histogram_feature(fs.read_crop(r)) for r in ordered])
    for k in range(len(ordered) - 2):
        distances = np.abs(hists[k + 1 :] - hists[k]).sum(1)
        assert distances[0] <= distances.min() + 1e-6, (k, ordered[k].id)


def test_review_sheet_lists_every_face_and_reason(mixed_shot, tmp_path):
    root, what = mixed_shot
    _curated(root)
    page = run_stage(open_workspace(root), "review", {"roles": DEST}).detail
    text = page.read_text(encoding="utf-8")
    records = read_faceset(root / "facesets" / "destination").records
    for record in records:
        assert f'id="{record.id}"' in text
        for reason in record.reasons:
            assert html.escape(reason) in text
    assert "identity (3)" in text and "duplicate (" in text and "blur (" in text
    grids = sorted(p.name for p in page.parent.glob("*.png"))
    assert "destination_kept_00.png" in grids and any("identity" in g for g in grids)
    assert cv2.imread(str(page.parent / "destination_kept_00.png")) is not None


def test_cli_review_reject_then_curate_respects_it(mixed_shot, tmp_path):
    root, what = mixed_shot
    good = sorted(i for i, w in what.items() if w == "a")[1]
    decisions = tmp_path / "decisions.txt"
    decisions.write_text(f"# from the review\nreject {good} eyes closed\n", encoding="utf-8")
    assert main(["-q", "review", str(root), "--role", "destination", "--decisions", str(decisions)]) == 0
    assert not {r.id: r for r in read_faceset(root / "facesets" / "destination").records}[good].kept
    assert main(["-q", "curate", str(root), "--role", "destination", "--sort", "yaw"]) == 0
    record = {r.id: r for r in read_faceset(root / "facesets" / "destination").records}[good]
    assert not record.kept and record.reasons[0] == "manual reject: eyes closed"
    assert main(["-q", "curate", str(root), "--role", "destination", "--forget", good]) == 0
    assert {r.id: r for r in read_faceset(root / "facesets" / "destination").records}[good].kept
    assert main(["-q", "curate", str(root), "--role", "destination", "--reject", "nope_1_00"]) == 1


def _progress_of(reporter, task):
    return [p for p in reporter.of("progress") if p.task == task]


def test_curate_reports_progress_cancels_and_resumes(fresh_shot):
    root, _ = fresh_shot
    index = root / "facesets" / "destination" / "index.jsonl"
    reporter = RecordingReporter()
    result = _curate(root, reporter=reporter)
    measured = _progress_of(reporter, "measure destination")
    assert [p.done for p in measured] == list(range(17)) and measured[-1].total == 16 and measured[-1].unit == "faces"
    assert result.lines[0].startswith("destination: kept ") and "faceplate review" in result.lines[-1]
    complete = index.read_bytes()
    index.write_bytes(complete.replace(b'"status":"rejected"', b'"status":"kept"'))  # as before curating
    before = index.read_bytes()

    cancelling = RecordingReporter(cancel_after=4)
    with pytest.raises(StageCancelled):
        _curate(root, reporter=cancelling)
    assert _progress_of(cancelling, "measure destination")[-1].done == 3  # no face measured after the cancel
    assert open_workspace(root).manifest.stages[-1].status == "cancelled"
    assert index.read_bytes() == before  # measuring writes nothing
    _curate(root)
    assert index.read_bytes() == complete


def test_review_reports_progress_cancels_and_resumes(fresh_shot):
    root, _ = fresh_shot
    _curate(root)
    reporter = RecordingReporter()
    page = run_stage(open_workspace(root), "review", {"roles": DEST}, reporter).detail
    drawn = _progress_of(reporter, "review sheet")
    assert drawn[-1].done == drawn[-1].total == 16
    complete = page.read_text(encoding="utf-8")
    page.unlink()
    cancelling = RecordingReporter(cancel_after=3)
    with pytest.raises(StageCancelled):
        run_stage(open_workspace(root), "review", {"roles": DEST}, cancelling)
    assert len(cancelling.of("progress")) == 3, "no sheet drawn after the cancel"
    assert open_workspace(root).manifest.stages[-1].status == "cancelled" and not page.exists()
    run_stage(open_workspace(root), "review", {"roles": DEST})
    assert page.read_text(encoding="utf-8") == complete


def test_cli_bad_setting_names_the_flag_and_changes_nothing(fresh_shot, capsys):
    root, _ = fresh_shot
    before = _snapshot(root)
    capsys.readouterr()
    assert main(["curate", str(root), "--blur-fraction", "nan"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--blur-fraction" in err[0] and "nan" in err[0], err
    assert main(["curate", str(root), "--role", "nobody"]) == 1
    assert "--role" in capsys.readouterr().err
    assert _snapshot(root) == before


def test_remembered_thresholds_are_used_by_a_later_plain_curate(fresh_shot):
    root, _ = fresh_shot
    args = ["-q", "curate", str(root), "--role", "destination"]
    assert main(args + ["--blur-fraction", "0.3"]) == 0
    loose = sum(r.reasons[0].startswith("blur") for r in _records(root).values() if not r.kept)
    assert main(args + ["--blur-fraction", "0.9"]) == 0
    strict = (root / "facesets" / "destination" / "index.jsonl").read_bytes()
    assert main(args) == 0  # no thresholds given: the shot's remembered 0.9 applies
    manifest = open_workspace(root).manifest
    assert manifest.settings["curate"]["blur_fraction"] == 0.9
    assert manifest.stages[-1].parameters["blur_fraction"] == 0.9
    assert (root / "facesets" / "destination" / "index.jsonl").read_bytes() == strict
    tight = sum(r.reasons[0].startswith("blur") for r in _records(root).values() if not r.kept)
    assert tight > loose


def test_coverage_is_rewritten_on_every_run(fresh_shot):
    """With only a destination faceset there is no coverage: a stale coverage.json is removed, not shown."""
    root, _ = fresh_shot
    stale = root / "facesets" / "coverage.json"
    stale.write_text('{"schema": "PoseCoverage.1", "covered_fraction": 0.5}')
    result = _curate(root)
    assert not stale.exists() and not any("pose coverage" in line for line in result.lines)


def test_coverage_follows_the_thresholds_of_each_run(fresh_shot):
    root, _ = fresh_shot
    shutil.copytree(root / "facesets" / "destination", root / "facesets" / "source")  # the same faces as a source
    coverage = root / "facesets" / "coverage.json"
    for blur_fraction, roles in (
        (0.3, ["destination", "source"]),
        (0.9, ["destination", "source"]),
        (0.3, ["destination"]),
    ):
        result = _curate(root, roles=roles, blur_fraction=blur_fraction)
        report = json.loads(coverage.read_text())
        for role in ("source", "destination"):
            kept = sum(r.kept for r in read_faceset(root / "facesets" / role).records)
            assert np.asarray(report[role]).sum() == kept, (blur_fraction, roles, role)
        assert "pose coverage (yaw x pitch):" in result.lines
    assert np.asarray(report["source"]).sum() < np.asarray(report["destination"]).sum()  # source kept at 0.9
