"""Measure every face of a faceset once: what the curate rules, sorts and coverage report read.

Each crop is read once; from it come a small normalised thumbnail (near-duplicates), a colour
histogram (histogram sort) and, when a landmark model is given, the re-fit disagreement.
Blur and the embedding come from the index (extraction measured them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from faceplate.curate.identity import dominant_identity, identity_distances
from faceplate.errors import CurateError
from faceplate.faces.faceset import Faceset
from faceplate.faces.geometry import box_in_crop, expected_eye_distance, geometry_problem, refit_error
from faceplate.faces.landmarks import LandmarkModel
from faceplate.faces.pose import estimate_pose

THUMB = 16  # near-duplicate thumbnail side, pixels (centre half of the crop, grey)


@dataclass
class FacesetMeasures:
    """Per-face measurements, row i = ``faceset.records[i]``."""

    blur: np.ndarray  # [N]
    identity: np.ndarray  # [N] distance to the dominant identity's centre
    identity_faces: int  # faces within the dominant cluster
    refit: np.ndarray  # [N] re-fit disagreement (frontal eye distances at this crop size); NaN when not measured
    geometry: list[str | None]  # [N] why the landmarks cannot be a face, or None
    pose: np.ndarray  # [N, 3] yaw, pitch, roll degrees
    thumbs: np.ndarray  # [N, THUMB*THUMB] zero-mean, unit-norm grey thumbnails
    hists: np.ndarray  # [N, 48] normalised RGB histograms (16 bins a channel)
    shape: np.ndarray  # [N, 136] crop-space landmarks / crop size


def measure_faceset(
    faceset: Faceset, landmarks: LandmarkModel | None = None, after_face: Callable[[], None] | None = None
) -> FacesetMeasures:
    """Measure every face; ``after_face`` is called after each (progress; a cancel raised there
    loses nothing, as measuring writes nothing)."""
    records, size = faceset.records, faceset.crop_size
    if not records:
        raise CurateError(f"faceset {faceset.folder} has no faces; re-run `faceplate extract` with another range")
    face_type = faceset.header["face_type"]
    unit = expected_eye_distance(face_type, size)  # pose-robust: the crop fixes the face's scale
    embeddings = np.asarray([r.embedding for r in records], np.float32)
    centre, cluster = dominant_identity(embeddings)
    n = len(records)
    refit, thumbs, hists = np.full(n, np.nan), np.zeros((n, THUMB * THUMB), np.float32), np.zeros((n, 48), np.float32)
    geometry, pose, shape = [], np.zeros((n, 3)), np.zeros((n, 136), np.float32)
    for i, record in enumerate(records):
        crop, points = faceset.read_crop(record, CurateError), record.crop_landmarks
        thumbs[i], hists[i] = thumbnail_feature(crop), histogram_feature(crop)
        shape[i] = (points / size).ravel()
        geometry.append(geometry_problem(points, face_type, size))
        pose[i] = estimate_pose(points, size, record.landmarks_array)
        if landmarks is not None:
            refit[i] = refit_error(crop, points, landmarks, box_in_crop(record.box, record.matrix_array), unit)
        if after_face is not None:
            after_face()
    return FacesetMeasures(
        blur=np.asarray([r.blur for r in records], np.float64),
        identity=identity_distances(embeddings, centre),
        identity_faces=cluster,
        refit=refit,
        geometry=geometry,
        pose=pose,
        thumbs=thumbs,
        hists=hists,
        shape=shape,
    )


def thumbnail_feature(crop: np.ndarray) -> np.ndarray:
    """Centre half of the crop, grey, THUMB x THUMB, zero mean and unit norm: dot product = similarity."""
    h, w = crop.shape[:2]
    centre = cv2.cvtColor(crop[h // 4 : h - h // 4, w // 4 : w - w // 4], cv2.COLOR_RGB2GRAY)
    small = cv2.resize(centre, (THUMB, THUMB), interpolation=cv2.INTER_AREA).astype(np.float32).ravel()
    small -= small.mean()
    return small / max(float(np.linalg.norm(small)), 1e-6)


def histogram_feature(crop: np.ndarray) -> np.ndarray:
    hist = [cv2.calcHist([crop], [c], None, [16], [0, 256]).ravel() for c in range(3)]
    out = np.concatenate(hist).astype(np.float32)
    return out / max(float(out.sum()), 1.0)


def record_scores(measures: FacesetMeasures, i: int) -> dict[str, float]:
    """What the index keeps of row ``i`` (for the review sheet and sorts)."""
    scores = {"identity": round(float(measures.identity[i]), 4)}
    if not np.isnan(measures.refit[i]):
        scores["landmark_refit"] = round(float(measures.refit[i]), 4)
    return scores
