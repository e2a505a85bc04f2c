"""What a viewer of the demo's layer sees, measured per frame: is there a face on the composite, and
how sharp is it next to the plate's? Used by the demo's quality test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from faceplate.curate.geometry import eye_distance
from faceplate.faces.check import CHECK_SIZE
from faceplate.faces.detect import DlibHogDetector
from faceplate.faces.faceset import read_faceset
from faceplate.faces.landmarks import DlibLandmarks68
from faceplate.media import ColourTransform, FrameRange, open_plate
from faceplate.media.image_input import read_image_window
from faceplate.qc.frames import CropPair, crop_pair
from faceplate.qc.measure import layer_path
from faceplate.workspace import open_workspace


@dataclass(frozen=True)
class FrameFace:
    frame: int
    found: bool  # the frontal detector (score >= 0) finds a face at the crop's centre of the composite
    refit: float | None  # landmarks fitted from that detection vs the plate face's, in eye distances


def redetect_faces(shot: Path, side: str = "composite") -> list[FrameFace]:
    """Each rendered frame's composite (layer over plate; ``side="plate"``: the plate alone), aligned on the
    plate's face like QC's crops: detected afresh with extraction's detector, its landmarks fitted from that
    detection."""
    detector, landmarks = DlibHogDetector(detect_size=0), DlibLandmarks68()
    return [_face_at_centre(p.frame, getattr(p, side), p.start, detector, landmarks)
            for p in _crop_pairs(shot, CHECK_SIZE)]


def _crop_pairs(shot: Path, size: int) -> Iterator[CropPair]:
    """QC's aligned crops (plate, composite) of every rendered frame, ``size`` px."""
    ws = open_workspace(shot)
    plate_points = {r.frame: r.landmarks_array for r in read_faceset(ws.faceset_dir("destination")).records}
    clip = ws.manifest.plate
    colour, pattern = ColourTransform(clip.colour_space), str(shot / "render" / "layer" / "faceplate.####.exr")
    frames = sorted(int(p.name.split(".")[1]) for p in (shot / "render" / "layer").glob("faceplate.*.exr"))
    with open_plate(clip.path, first_frame=clip.first_frame) as plate:
        for frame, image in plate.iter_frames(FrameRange(frames[0], frames[-1])):
            layer, corner = read_image_window(layer_path(pattern, frame))
            yield crop_pair(frame, image, layer, corner, plate_points[frame], colour, size=size)


def _face_at_centre(frame: int, crop: np.ndarray, start: np.ndarray, detector, landmarks) -> FrameFace:
    centre = np.array(crop.shape[:2][::-1]) / 2
    near = [d for d in detector.detect(crop)
            if np.linalg.norm((np.array(d.box[:2]) + d.box[2:]) / 2 - centre) < crop.shape[0] * 0.25]
    if not near:
        return FrameFace(frame, False, None)
    fitted = landmarks.fit(crop, max(near, key=lambda d: d.score).box)
    return FrameFace(frame, True, float(np.linalg.norm(fitted - start, axis=1).mean() / eye_distance(start)))


def sharpness_at(shot: Path, size: int) -> float:
    """The judge's sharpness ratio (skin detail, composite over plate) with both seen as ``size`` px crops:
    at the model's resolution, what its output could carry."""
    from faceplate.quality.judge import face_mask
    from faceplate.quality.measures import sharpness_ratio

    pairs = list(_crop_pairs(shot, size))
    return sharpness_ratio(np.stack([p.composite for p in pairs]), np.stack([p.plate for p in pairs]),
                           [face_mask(p.start, size) for p in pairs])
