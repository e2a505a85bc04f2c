"""What a viewer of the demo's layer sees, measured per frame: is there a face on the composite where the
plate's face is? Used by the demo's quality test."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from faceplate.faces.check import CHECK_SIZE
from faceplate.faces.detect import DlibHogDetector
from faceplate.faces.geometry import refit_error
from faceplate.faces.landmarks import DlibLandmarks68
from faceplate.qc.measure import plate_crop_pairs, shot_faces
from faceplate.qc.outcome import rendered_layer
from faceplate.workspace import open_workspace


@dataclass(frozen=True)
class FrameFace:
    frame: int
    found: bool  # the frontal detector (score >= 0) finds a face at the crop's centre of the composite
    refit: float | None  # landmarks fitted from that detection vs the plate face's, in eye distances


def redetect_faces(shot: Path, side: str = "composite") -> list[FrameFace]:
    """Each rendered frame's composite (layer over plate; ``side="plate"``: the plate alone), aligned on the
    plate's face as QC crops it: detected afresh with extraction's detector, its landmarks fitted from that
    detection."""
    ws = open_workspace(shot)
    _, pattern = rendered_layer(ws)  # the latest published version: what the cut shows
    layer = Path(pattern)
    frames = sorted(int(p.name.split(".")[-2]) for p in layer.parent.glob(layer.name.replace("####", "*")))
    detector, landmarks = DlibHogDetector(detect_size=0), DlibLandmarks68()
    return [
        _face_at_centre(frame, getattr(pair, side), pair.start, detector, landmarks)
        for frame, pair in plate_crop_pairs(ws, frames, pattern, shot_faces(ws).landmarks, CHECK_SIZE)
    ]


def _face_at_centre(frame: int, crop: np.ndarray, start: np.ndarray, detector, landmarks) -> FrameFace:
    centre = np.array(crop.shape[:2][::-1]) / 2
    near = [
        d
        for d in detector.detect(crop)
        if np.linalg.norm((np.array(d.box[:2]) + d.box[2:]) / 2 - centre) < crop.shape[0] * 0.25
    ]
    if not near:
        return FrameFace(frame, False, None)
    return FrameFace(frame, True, refit_error(crop, start, landmarks, max(near, key=lambda d: d.score).box))
