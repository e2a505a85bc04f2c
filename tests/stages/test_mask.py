"""Mask stage on a small faceset built from scikit-image's astronaut (no test media needed):
landmark masks, polygon labels, the bootstrapped learned model, and bad input."""

from __future__ import annotations

import json
import shutil

import cv2
import numpy as np
import pytest

from faceplate.cli.main import main
from faceplate.errors import MaskError, StageCancelled, WorkspaceError
from faceplate.faces.align import invert_matrix, transform_points
from faceplate.faces.faceset import read_faceset
from faceplate.masks.landmark_mask import face_hull_mask, parts_mask
from faceplate.masks.polygons import load_labels, polygon_entry, write_polygon_file
from faceplate.masks.settings import MaskSettings
from faceplate.reporting import RecordingReporter
from faceplate.settings import remembered
from faceplate.stages.mask import model_paths
from faceplate.stages.runner import run_stage
from faceplate.workspace import init_workspace, open_workspace

DEST = ("destination",)
TINY = dict(resolution=64, base=4, batch=4, threads=1, device="cpu")
LANDMARK = dict(landmark_only=True)


@pytest.fixture(scope="module")
def extracted(astronaut, tmp_path_factory):
    """8 stills of the astronaut (shifted, brightened, mirrored) extracted at 64 px."""
    tmp = tmp_path_factory.mktemp("mask")
    folder = tmp / "stills"
    folder.mkdir()
    for i in range(8):
        image = np.roll(astronaut, (i * 6, -i * 5), axis=(0, 1))
        image = np.clip(image.astype(np.int16) + i * 4, 0, 255).astype(np.uint8)
        image = image[:, ::-1] if i % 2 else image
        cv2.imwrite(str(folder / f"still_{i:02d}.png"), np.ascontiguousarray(image[..., ::-1]))
    ws = init_workspace(tmp / "shot", folder)
    run_stage(ws, "extract", {"roles": "destination", "crop_size": 64, "crop_format": "png"})
    return ws.root


@pytest.fixture
def shot(extracted, tmp_path):
    """A fresh copy of the extracted shot: no test sees masks, models or settings another one left."""
    shutil.copytree(extracted, tmp_path / "shot")
    return tmp_path / "shot"


def _mask(root, reporter=None, **changes):
    """The mask stage with every remembered setting given (defaults unless changed)."""
    return run_stage(open_workspace(root), "mask", {**remembered(MaskSettings()), "roles": DEST, **changes}, reporter)


def _faceset(root):
    return read_faceset(root / "facesets" / "destination")


def _hull_label(fs, record, space="crop", occluder=None):
    points = record.crop_landmarks
    hull = cv2.convexHull(np.round(np.concatenate([points[0:17], points[17:27] - [0, 12]])).astype(np.float32))[:, 0]
    exclude = [occluder] if occluder is not None else []
    if space == "plate":
        inv = invert_matrix(record.matrix_array)
        return polygon_entry(
            record.id, [transform_points(hull, inv)], [transform_points(p, inv) for p in exclude], "plate"
        )
    return polygon_entry(record.id, [hull], exclude)


def test_landmark_masks_are_written_next_to_each_face(shot):
    summary = _mask(shot, **LANDMARK).summary
    fs = _faceset(shot)
    assert summary["faces"] == len(fs.records) == 8 and not summary["learned"]
    for record in fs.records:
        face = cv2.imread(str(fs.folder / record.mask), cv2.IMREAD_UNCHANGED)
        priority = cv2.imread(str(fs.folder / record.eyes_mouth_mask), cv2.IMREAD_UNCHANGED)
        assert face.dtype == np.uint8 and face.shape == (64, 64)
        assert np.array_equal(face, face_hull_mask(record.crop_landmarks, 64, fs.header["face_type"]))
        assert np.array_equal(priority, parts_mask(record.crop_landmarks, 64))


def test_polygon_labels_in_crop_and_plate_space_agree(shot):
    fs = _faceset(shot)
    record = fs.records[0]
    occluder = np.array([[20, 40], [44, 40], [44, 60], [20, 60]], np.float64)
    path = shot / "labels_two_spaces.json"
    write_polygon_file(path, [_hull_label(fs, record, "crop", occluder)])
    crop_label = load_labels(path, {"destination": fs})[0].mask
    write_polygon_file(path, [_hull_label(fs, record, "plate", occluder)])
    plate_label = load_labels(path, {"destination": fs})[0].mask
    assert crop_label[50, 30] == 0 and crop_label[30, 32] == 255  # occluder cut out, face kept
    assert (np.abs(crop_label.astype(int) - plate_label.astype(int)) > 127).mean() < 0.01


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"id": "plate_1500_00", "include": [[[0, 0], [10, 0], [0, 10]]]}, "missing crop"),
        ({"frame": 1500, "include": [[[0, 0], [10, 0], [0, 10]]]}, "frame 1500 of plate"),
        ({"id": "plate_1001_00", "include": [[[0, 0], [10, 0]]]}, "degenerate polygon"),
        ({"id": "plate_1001_00", "include": [[[0, 0], [10, 10], [20, 20]]]}, "degenerate polygon: area"),
        ({"id": "plate_1001_00", "exclude": [[[0, 0], [10, 0], [0, 10]]]}, "no include polygon"),
    ],
)
def test_bad_polygon_files_name_the_problem_and_write_nothing(shot, entry, message):
    _mask(shot, **LANDMARK)
    index = shot / "facesets" / "destination" / "index.jsonl"
    before = index.read_bytes()
    labels = shot / "bad.json"
    labels.write_text(json.dumps({"schema": "FacePolygons.1", "labels": [entry]}))
    manifest = (shot / "faceplate.json").read_bytes()
    with pytest.raises(MaskError, match=message):
        _mask(shot, labels=str(labels), **TINY)
    assert index.read_bytes() == before and not model_paths(open_workspace(shot))[1].exists()
    assert (shot / "faceplate.json").read_bytes() == manifest  # refused before the run was recorded


def test_too_few_labels_is_refused(shot):
    fs = _faceset(shot)
    labels = shot / "few.json"
    write_polygon_file(labels, [_hull_label(fs, r) for r in fs.records[:3]])
    with pytest.raises(MaskError, match="only 3 labelled crop"):
        _mask(shot, labels=str(labels), min_labels=8, **TINY)
    assert not model_paths(open_workspace(shot))[1].exists()
    labels.write_text('{"labels": []}')
    with pytest.raises(MaskError, match="schema"):
        _mask(shot, labels=str(labels), **TINY)


def test_without_labels_the_model_bootstraps_exports_and_applies(shot):
    summary = _mask(shot, iterations=15, **TINY).summary
    checkpoint, onnx_path = model_paths(open_workspace(shot))
    assert summary["learned"] and summary["training"]["source"] == "landmark bootstrap"
    assert (
        onnx_path.is_file() and (checkpoint / "model.safetensors").is_file() and (checkpoint / "config.json").is_file()
    )
    fs = _faceset(shot)
    for record in fs.records:
        face = cv2.imread(str(fs.folder / record.mask), cv2.IMREAD_UNCHANGED)
        assert face.shape == (64, 64) and face.dtype == np.uint8
    assert [r.stage for r in open_workspace(shot).manifest.stages][-1:] == ["mask"]
    # a later plain run (what the shot remembers) applies the saved model without training again
    again = run_stage(open_workspace(shot), "mask", {"roles": DEST}).summary
    assert again["learned"] and not again["trained"]


def test_labels_train_and_labelled_crops_keep_their_label(shot):
    fs = _faceset(shot)
    labels = shot / "labels.json"
    write_polygon_file(labels, [_hull_label(fs, r, "plate" if i % 2 else "crop") for i, r in enumerate(fs.records)])
    summary = _mask(shot, labels=str(labels), iterations=10, min_labels=8, **TINY).summary
    assert summary["training"]["source"] == "labels" and summary["labels"] == 8
    fs = _faceset(shot)
    expected = load_labels(labels, {"destination": fs})
    for label in expected:
        written = cv2.imread(str(fs.folder / label.record.mask), cv2.IMREAD_UNCHANGED)
        assert np.array_equal(written, label.mask)


def test_fully_rejected_faceset_is_refused(shot):
    fs = _faceset(shot)
    for record in fs.records:
        record.status, record.reasons = "rejected", ["manual reject"]
    fs.save()
    with pytest.raises(MaskError, match="every destination face is rejected"):
        _mask(shot, **LANDMARK)


def test_cli_mask(shot, tmp_path):
    assert main(["-q", "mask", str(shot), "--role", "destination", "--landmark-only"]) == 0
    assert main(["-q", "mask", str(shot), "--role", "destination", "--labels", str(tmp_path / "none.json")]) == 1


def _progress_of(reporter, task):
    return [p for p in reporter.of("progress") if p.task == task]


def _outputs(root) -> dict:
    folder = root / "facesets" / "destination"
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_mask_progress_cancel_between_faces_and_resume(shot, tmp_path):
    reference = tmp_path / "reference"
    shutil.copytree(shot, reference)
    reporter = RecordingReporter()
    _mask(reference, reporter, **LANDMARK)
    written = _progress_of(reporter, "mask destination")
    assert [p.done for p in written] == list(range(9)) and written[-1].total == 8 and written[-1].eta_s == 0

    cancelling = RecordingReporter(cancel_after=4)
    with pytest.raises(StageCancelled):
        _mask(shot, cancelling, **LANDMARK)
    assert open_workspace(shot).manifest.stages[-1].status == "cancelled"
    fs = _faceset(shot)
    done = [r for r in fs.records if r.mask]
    assert len(done) == 3  # the index names exactly the masks written before the cancel
    assert all((fs.folder / r.mask).is_file() and (fs.folder / r.eyes_mouth_mask).is_file() for r in done)
    _mask(shot, **LANDMARK)
    assert _outputs(shot) == _outputs(reference)


def test_cancelled_training_writes_nothing_and_the_next_run_trains(shot):
    cancelling = RecordingReporter(cancel_after=5)
    with pytest.raises(StageCancelled, match="training"):
        _mask(shot, cancelling, iterations=100_000, **TINY)
    assert len(cancelling.of("progress")) == 5, "no iteration after the cancel"
    assert _progress_of(cancelling, "train mask model")[-1].total == 100_000
    checkpoint, onnx_path = model_paths(open_workspace(shot))
    assert not onnx_path.exists() and not checkpoint.exists() and not any(r.mask for r in _faceset(shot).records)
    assert open_workspace(shot).manifest.stages[-1].status == "cancelled"
    reporter = RecordingReporter()
    summary = _mask(shot, reporter, iterations=6, **TINY).summary
    assert summary["trained"] and onnx_path.is_file() and all(r.mask for r in _faceset(shot).records)
    trained = _progress_of(reporter, "train mask model")
    assert trained[-1].done == trained[-1].total == 6 and reporter.of("metrics")[-1]["mask_loss"] > 0


def test_resolution_defaults_to_128_px_on_a_cpu(shot):
    settings = {**TINY, "resolution": None}
    reporter = RecordingReporter()
    result = _mask(shot, reporter, iterations=2, **settings)
    assert result.summary["training"]["resolution"] == 128 and "at 128 px" in result.lines[-1]
    said = [message for _, message in reporter.of("log")]
    assert any("mask model: 128 px (auto for cpu" in m for m in said), said  # said before training starts
    assert open_workspace(shot).manifest.settings["mask"]["resolution"] is None  # stays auto for `faceplate run`


def test_record_id_escaping_the_faceset_is_refused(shot):  # the faceset index refuses it on reading
    fs = _faceset(shot)
    fs.records[0].id = "../../../escaped"
    fs.save()
    before = {p: p.read_bytes() for p in shot.rglob("*") if p.is_file()}
    with pytest.raises(WorkspaceError, match=r"line 2: id '../../../escaped' points outside the faceset"):
        _mask(shot, **LANDMARK)
    assert {p: p.read_bytes() for p in shot.rglob("*") if p.is_file()} == before


def test_cli_bad_resolution_names_the_flag(shot, capsys):
    capsys.readouterr()
    assert main(["mask", str(shot), "--resolution", "100"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--resolution" in err[0] and "multiple of 16" in err[0], err
    assert "mask" not in open_workspace(shot).manifest.settings
