"""Learned mask vs landmark mask on a real head-turn clip with a synthetic hand pasted over the face.

Training labels = landmark hull minus the known occluder, written as polygon JSON (half in crop,
half in plate coordinates) so the import path is exercised; held-back occluded frames are scored
against the known occluder-free face mask.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from occluder_helpers import hand_polygon, hull_polygon, iou, paste_occluder

from faceplate.faces.align import invert_matrix, transform_points
from faceplate.faces.faceset import read_faceset
from faceplate.masks.landmark_mask import face_hull_mask
from faceplate.masks.polygons import polygon_entry, write_polygon_file
from faceplate.stages.runner import run_stage
from faceplate.workspace import init_workspace

CROP = 128


def _occlude_and_label(fs, rng):
    """Paste hands on 2 of 3 crops; label the even ones; return (labels, truth, held-back ids)."""
    face_type = fs.header["face_type"]
    labels, truth, held = [], {}, []
    for n, record in enumerate(fs.records):
        points = record.crop_landmarks
        hull, face = hull_polygon(points, face_type), face_hull_mask(points, CROP, face_type)
        occluder = None
        if n % 3 != 2:
            occluder = hand_polygon(points, rng)
            crop = cv2.imread(str(fs.crop_path(record)))[..., ::-1]
            cv2.imwrite(str(fs.crop_path(record)), paste_occluder(crop, occluder, rng)[..., ::-1])
            cv2.fillPoly(face, [np.round(occluder).astype(np.int32)], 0, lineType=cv2.LINE_AA)
        truth[record.id] = face
        exclude = [occluder] if occluder is not None else []
        if n % 2 == 0 and n % 4 == 0:
            labels.append(polygon_entry(record.id, [hull], exclude))
        elif n % 2 == 0:
            inv = invert_matrix(record.matrix_array)
            labels.append(
                polygon_entry(
                    record.id, [transform_points(hull, inv)], [transform_points(p, inv) for p in exclude], "plate"
                )
            )
        elif occluder is not None:
            held.append(record.id)
    return labels, truth, held


@pytest.mark.slow
def test_learned_mask_excludes_the_occluder_on_held_back_frames(test_data, tmp_path):
    ws = init_workspace(tmp_path / "shot", test_data / "head_turns" / "d0.mp4")
    run_stage(ws, "extract", {"roles": "destination", "crop_size": CROP, "crop_format": "png"})
    labels, truth, held = _occlude_and_label(read_faceset(ws.faceset_dir("destination")), np.random.default_rng(0))
    write_polygon_file(tmp_path / "labels.json", labels)
    summary = run_stage(
        ws,
        "mask",
        {
            "roles": ["destination"],
            "labels": str(tmp_path / "labels.json"),
            "iterations": 400,
            "resolution": 64,
            "base": 8,
            "batch": 8,
            "threads": 1,
        },
    ).summary
    fs = read_faceset(ws.faceset_dir("destination"))
    records = {r.id: r for r in fs.records}
    learned = [iou(cv2.imread(str(fs.folder / records[i].mask), cv2.IMREAD_GRAYSCALE), truth[i]) for i in held]
    landmark = [iou(face_hull_mask(records[i].crop_landmarks, CROP, fs.header["face_type"]), truth[i]) for i in held]
    print(f"\nheld-back occluded frames: {len(held)}; labels: {len(labels)}; training {summary['training']}")
    print(f"IoU learned mask  {np.mean(learned):.3f} (min {np.min(learned):.3f})")
    print(f"IoU landmark mask {np.mean(landmark):.3f} (min {np.min(landmark):.3f})")
    assert len(held) >= 15
    assert np.mean(learned) >= 0.8
    assert np.mean(learned) > np.mean(landmark)
