"""Which faces to replace in each frame of the render range, with temporally smoothed landmarks.

Faces come from the destination faceset where the range was extracted (every record, whatever
its curation status: a face rejected for training must still be replaced), and from fresh
detection + tracking for frames outside it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from faceplate.faces.faceset import Faceset
from faceplate.faces.pipeline import ExtractSettings, FacePipeline, Refused
from faceplate.media import ColourTransform, FrameRange, Plate, working_uint8


@dataclass
class PlannedFace:
    track: int
    landmarks: np.ndarray  # [68, 2] plate pixels


FacePlan = dict[int, list[PlannedFace]]


def extracted_frames(faceset: Faceset | None) -> set[int]:
    """Plate frames the destination faceset looked at (faces found or not)."""
    if faceset is None:
        return set()
    frames: set[int] = set()
    for clip in faceset.header.get("clips", []):
        if clip.get("label") == "plate":
            frames.update(FrameRange.parse(clip["frames"]))
    return frames


def plan_from_faceset(faceset: Faceset, frames: FrameRange) -> FacePlan:
    plan: FacePlan = defaultdict(list)
    for record in faceset.records:
        if record.source == "plate" and record.frame in frames:
            plan[record.frame].append(PlannedFace(record.track, record.landmarks_array))
    return plan


def plan_by_detection(
    plate: Plate, frames: list[int], colour: ColourTransform, settings: ExtractSettings
) -> tuple[FacePlan, list[Refused]]:
    """Detect and follow faces on frames nobody extracted (same pipeline as `faceplate extract`); also the
    crops its face check refused (their frames come back without a face, and the artist is told why)."""
    plan: FacePlan = defaultdict(list)
    if not frames:
        return plan, []
    pipeline = FacePipeline(settings)
    wanted = set(frames)
    for frame, raw in plate.iter_frames(FrameRange(min(frames), max(frames))):
        if frame in wanted:
            image = working_uint8(raw, colour)
            plan[frame] = [PlannedFace(f.track_id + 10_000, f.landmarks) for f in pipeline.locate(frame, image)]
    return plan, pipeline.refused


def smooth_tracks(plan: FacePlan, radius: int) -> FacePlan:
    """Gaussian-weighted average of each face's landmarks over +-radius frames of its track.

    Removes landmark jitter (the main cause of a 'swimming' face) without lagging motion: the
    window is centred, which an offline render can afford."""
    if radius <= 0:
        return plan
    by_track: dict[int, dict[int, np.ndarray]] = defaultdict(dict)
    for frame, faces in plan.items():
        for face in faces:
            by_track[face.track][frame] = face.landmarks
    sigma = max(radius / 2.0, 0.5)
    smoothed: FacePlan = defaultdict(list)
    for frame, faces in plan.items():
        for face in faces:
            track = by_track[face.track]
            near = [(f, track[f]) for f in range(frame - radius, frame + radius + 1) if f in track]
            weights = np.array([np.exp(-((f - frame) ** 2) / (2 * sigma**2)) for f, _ in near])
            points = np.tensordot(weights / weights.sum(), np.stack([p for _, p in near]), axes=1)
            smoothed[frame].append(PlannedFace(face.track, points))
    return smoothed
