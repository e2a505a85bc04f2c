"""Mask stage on a small faceset built from scikit-image's astronaut (no test media needed):
landmark masks, polygon labels, the bootstrapped learned model, and bad input."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from faceplate.cli.main import main
from faceplate.errors import MaskError
from faceplate.faces.align import invert_matrix, transform_points
from faceplate.faces.faceset import read_faceset
from faceplate.masks.landmark_mask import eyes_mouth_mask, face_hull_mask
from faceplate.masks.polygons import load_labels, polygon_entry, write_polygon_file
from faceplate.stages.runner import run_stage
from faceplate.stages.mask import MaskSettings, mask, model_paths
from faceplate.workspace import init_workspace, open_workspace

DEST = ("destination",)
TINY = dict(roles=DEST, resolution=32, base=4, batch=4, threads=1)


@pytest.fixture(scope="module")
def shot(astronaut, tmp_path_factory):
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


def _faceset(root):
    return read_faceset(root / "facesets" / "destination")


def _hull_label(fs, record, space="crop", occluder=None):
    points = record.crop_landmarks
    hull = cv2.convexHull(np.round(np.concatenate([points[0:17], points[17:27] - [0, 12]])).astype(np.float32))[:, 0]
    exclude = [occluder] if occluder is not None else []
    if space == "plate":
        inv = invert_matrix(record.matrix_array)
        return polygon_entry(record.id, [transform_points(hull, inv)], [transform_points(p, inv) for p in exclude], "plate")
    return polygon_entry(record.id, [hull], exclude)


def test_landmark_masks_are_written_next_to_each_face(shot):
    summary = mask(open_workspace(shot), MaskSettings(roles=DEST, learned=False))
    fs = _faceset(shot)
    assert summary["faces"] == len(fs.records) == 8 and not summary["learned"]
    for record in fs.records:
        face = cv2.imread(str(fs.folder / record.mask), cv2.IMREAD_UNCHANGED)
        priority = cv2.imread(str(fs.folder / record.eyes_mouth_mask), cv2.IMREAD_UNCHANGED)
        assert face.dtype == np.uint8 and face.shape == (64, 64)
        assert np.array_equal(face, face_hull_mask(record.crop_landmarks, 64, fs.header["face_type"]))
        assert np.array_equal(priority, eyes_mouth_mask(record.crop_landmarks, 64))


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


@pytest.mark.parametrize("entry, message", [
    ({"id": "plate_1500_00", "include": [[[0, 0], [10, 0], [0, 10]]]}, "missing crop"),
    ({"frame": 1500, "include": [[[0, 0], [10, 0], [0, 10]]]}, "frame 1500 of plate"),
    ({"id": "plate_1001_00", "include": [[[0, 0], [10, 0]]]}, "degenerate polygon"),
    ({"id": "plate_1001_00", "include": [[[0, 0], [10, 10], [20, 20]]]}, "degenerate polygon: area"),
    ({"id": "plate_1001_00", "exclude": [[[0, 0], [10, 0], [0, 10]]]}, "no include polygon"),
])
def test_bad_polygon_files_name_the_problem_and_write_nothing(shot, entry, message):
    mask(open_workspace(shot), MaskSettings(roles=DEST, learned=False))
    index = shot / "facesets" / "destination" / "index.jsonl"
    before = index.read_bytes()
    labels = shot / "bad.json"
    labels.write_text(json.dumps({"schema": "FacePolygons.1", "labels": [entry]}))
    with pytest.raises(MaskError, match=message):
        mask(open_workspace(shot), MaskSettings(labels=str(labels), **TINY))
    assert index.read_bytes() == before and not model_paths(open_workspace(shot))[1].exists()


def test_too_few_labels_is_refused(shot):
    fs = _faceset(shot)
    labels = shot / "few.json"
    write_polygon_file(labels, [_hull_label(fs, r) for r in fs.records[:3]])
    with pytest.raises(MaskError, match="only 3 labelled crop"):
        mask(open_workspace(shot), MaskSettings(labels=str(labels), min_labels=8, **TINY))
    assert not model_paths(open_workspace(shot))[1].exists()
    labels.write_text('{"labels": []}')
    with pytest.raises(MaskError, match="schema"):
        mask(open_workspace(shot), MaskSettings(labels=str(labels), **TINY))


def test_without_labels_the_model_bootstraps_exports_and_applies(shot):
    ws = open_workspace(shot)
    summary = mask(ws, MaskSettings(iterations=15, **TINY))
    checkpoint, onnx_path = model_paths(ws)
    assert summary["learned"] and summary["training"]["source"] == "landmark bootstrap"
    assert onnx_path.is_file() and (checkpoint / "model.safetensors").is_file() and (checkpoint / "config.json").is_file()
    fs = _faceset(shot)
    for record in fs.records:
        face = cv2.imread(str(fs.folder / record.mask), cv2.IMREAD_UNCHANGED)
        assert face.shape == (64, 64) and face.dtype == np.uint8
    assert open_workspace(shot).manifest.stages[-1].stage == "mask"
    # a later run without --train applies the saved model without training again
    again = mask(open_workspace(shot), MaskSettings(roles=DEST))
    assert again["learned"] and not again["trained"]


def test_labels_train_and_labelled_crops_keep_their_label(shot):
    fs = _faceset(shot)
    labels = shot / "labels.json"
    write_polygon_file(labels, [_hull_label(fs, r, "plate" if i % 2 else "crop") for i, r in enumerate(fs.records)])
    summary = mask(open_workspace(shot), MaskSettings(labels=str(labels), iterations=10, min_labels=8, **TINY))
    assert summary["training"]["source"] == "labels" and summary["labels"] == 8
    fs = _faceset(shot)
    expected = load_labels(labels, {"destination": fs})
    for label in expected:
        written = cv2.imread(str(fs.folder / label.record.mask), cv2.IMREAD_UNCHANGED)
        assert np.array_equal(written, label.mask)


def test_fully_rejected_faceset_is_refused(shot, tmp_path):
    fs = _faceset(shot)
    before = (fs.folder / "index.jsonl").read_bytes()
    for record in fs.records:
        record.status, record.reasons = "rejected", ["manual reject"]
    fs.save()
    try:
        with pytest.raises(MaskError, match="every destination face is rejected"):
            mask(open_workspace(shot), MaskSettings(roles=DEST, learned=False))
    finally:
        (fs.folder / "index.jsonl").write_bytes(before)


def test_cli_mask(shot, tmp_path):
    assert main(["-q", "mask", str(shot), "--role", "destination", "--landmark-only"]) == 0
    assert main(["-q", "mask", str(shot), "--role", "destination", "--labels", str(tmp_path / "none.json")]) == 1
