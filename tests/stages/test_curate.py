"""Curate and review on real stills (FACEPLATE_TEST_DATA): John_Salley's 11 photos mixed with 3 of
another person, a blurred copy (Gaussian sigma 4) of one of his faces and a duplicated photo."""

from __future__ import annotations

import copy
import html
import shutil

import cv2
import numpy as np
import pytest

from faceplate.cli.main import main
from faceplate.curate.decisions import Decision
from faceplate.errors import CurateError
from faceplate.faces.faceset import read_faceset
from faceplate.faces.pipeline import blur_score
from faceplate.stages.curate import CurateSettings, curate
from faceplate.stages.runner import run_stage
from faceplate.stages.review import review
from faceplate.workspace import init_workspace, open_workspace

DEST = ("destination",)


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


def _curated(root, **settings):
    ws = open_workspace(root)
    result = curate(ws, CurateSettings(roles=DEST, **settings))
    return result["destination"], {r.id: r for r in read_faceset(ws.faceset_dir("destination")).records}


def test_identity_blur_and_duplicate_rules(mixed_shot):
    root, what = mixed_shot
    result, records = _curated(root)
    others = [r for i, r in records.items() if what[i] == "b"]
    salley = [r for i, r in records.items() if what[i] == "a"]
    assert len(others) == 3 and len(salley) == 11
    assert all(not r.kept and any(x.startswith("identity") for x in r.reasons) for r in others), [r.reasons for r in others]
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
    ws = open_workspace(root)
    other = next(i for i, w in what.items() if w == "b")
    good = next(i for i, w in what.items() if w == "a")
    curate(ws, CurateSettings(roles=DEST), [Decision(other, "kept", "stunt double is fine"), Decision(good, "rejected")])
    _, records = _curated(root)  # next run, no decisions given: decisions.json still applies
    assert records[other].kept and records[other].reasons[0] == "manual restore: stunt double is fine"
    assert any(r.startswith("identity") for r in records[other].reasons)  # the rule's opinion stays visible
    assert not records[good].kept and records[good].reasons == ["manual reject"]
    curate(ws, CurateSettings(roles=DEST), [Decision(other, "forget"), Decision(good, "forget")])
    _, records = _curated(root)
    assert not records[other].kept and records[good].kept and not records[good].reasons


def test_unknown_id_and_everything_rejected_write_nothing(mixed_shot):
    root, _ = mixed_shot
    ws = open_workspace(root)
    index = ws.faceset_dir("destination") / "index.jsonl"
    before = index.read_bytes()
    with pytest.raises(CurateError, match="plate_9999_00"):
        curate(ws, CurateSettings(roles=DEST), [Decision("plate_9999_00", "rejected")])
    with pytest.raises(CurateError, match="every one of the"):
        curate(ws, CurateSettings(roles=DEST, blur_fraction=100.0))
    assert index.read_bytes() == before


@pytest.mark.parametrize("key", ["yaw", "pitch", "blur", "identity", "histogram"])
def test_sort_orders_reorder_the_index(mixed_shot, key):
    root, _ = mixed_shot
    _, records = _curated(root, sort=key)
    ordered = list(records.values())
    assert len(ordered) == 16
    if key == "blur":
        assert [r.blur for r in ordered] == sorted(r.blur for r in ordered)
    if key == "identity":
        distances = [r.scores["identity"] for r in ordered]
        assert distances == sorted(distances, reverse=True)


def test_review_sheet_lists_every_face_and_reason(mixed_shot, tmp_path):
    root, what = mixed_shot
    _curated(root)
    page = review(open_workspace(root), DEST)
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
