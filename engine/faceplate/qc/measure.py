"""Measure every frame of a rendered shot against its plate (``faceplate.quality.measures`` defines
each figure; ``faceplate.quality.judge`` reads the faces with the dlib models).

Per frame, on aligned crops of the plate and of the composite (``qc.frames``): the swapped face's
identity (distance to the source's mean face and to the plate's own face in that frame), its
expression and head pose against the plate's, the flicker inside the matte, the seam along the
matte's edge, the skin colour and the sharpness. Frames are decoded once, in order; the expression
(which needs the whole clip's mean shape) and the flicker (which needs both neighbours) are
finished after the last frame.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from faceplate.curate.expression import eye_openness
from faceplate.errors import QcError
from faceplate.faces.faceset import INDEX_NAME, FaceRecord, read_shot_faceset
from faceplate.media import ColourTransform, FrameRange, open_plate
from faceplate.media.image_input import read_image_window
from faceplate.qc.frames import CROP_SIZE, CropPair, crop_pair, mean_crop_landmarks
from faceplate.qc.settings import QcSettings
from faceplate.quality import measures
from faceplate.quality.judge import Judge, face_mask
from faceplate.reporting import Meter, Reporter, check_cancelled
from faceplate.workspace import Workspace


@dataclass(frozen=True)
class ShotFaces:
    """What QC compares against: the plate's face per frame and the two identities."""

    landmarks: dict[int, np.ndarray]  # frame -> [68, 2] plate pixels (the largest face of the frame)
    plate_identity: dict[int, np.ndarray]  # frame -> [128] that face's embedding (as extraction measured it)
    source_identity: np.ndarray  # [128] mean of the kept source faces


@dataclass
class FrameRow:
    """One frame's measures (None where not measured: no face, or identity not embedded this frame)."""

    frame: int
    face: bool = False
    to_source: float | None = None
    to_plate: float | None = None
    recognised: bool | None = None
    expression: float | None = None
    pose_diff: list[float] | None = None  # yaw, pitch, roll: swap minus plate, degrees
    flicker: float | None = None
    seam: float | None = None
    delta_e: float | None = None
    sharpness: float | None = None
    eyes: float | None = None  # eye openness, swap against plate, over the plate's open eye (a lost blink ~0.4)
    reasons: list[str] = field(default_factory=list)


@dataclass
class Measured:
    rows: list[FrameRow]
    face_points: dict[int, np.ndarray]  # frame -> swap landmarks in its crop
    plate_points: dict[int, np.ndarray]
    expression_motion: float | None = None  # how much the plate's face changes shape (measures.expression_motion)


def shot_faces(workspace: Workspace) -> ShotFaces:
    """The plate's faces (destination faceset) and the source identity (kept source faces)."""
    folders = {role: workspace.faceset_dir(role) for role in ("destination", "source")}
    for role, folder in folders.items():
        if not (folder / INDEX_NAME).is_file():
            raise QcError(f"no {role} faceset at {folder}; run `faceplate extract {workspace.root}` first")
    plate_faces: dict[int, FaceRecord] = {}
    for record in read_shot_faceset(workspace, "destination").records:
        best = plate_faces.get(record.frame)
        if record.source == "plate" and (best is None or _area(record) > _area(best)):
            plate_faces[record.frame] = record
    kept = read_shot_faceset(workspace, "source").kept
    if not kept:
        raise QcError(f"the source faceset {folders['source']} keeps no face; restore some with `faceplate review`")
    return ShotFaces(
        {f: r.landmarks_array for f, r in plate_faces.items()},
        {f: np.asarray(r.embedding, np.float64) for f, r in plate_faces.items()},
        np.mean([r.embedding for r in kept], axis=0),
    )


def _area(record: FaceRecord) -> float:
    x0, y0, x1, y1 = record.box
    return (x1 - x0) * (y1 - y0)


def layer_path(pattern: str, frame: int) -> str:
    hashes = pattern.count("#")
    return pattern.replace("#" * hashes, f"{frame:0{hashes}d}")


def plate_crop_pairs(
    workspace: Workspace, frames: list[int], layer_pattern: str, landmarks: dict[int, np.ndarray], size: int = CROP_SIZE
) -> Iterator[tuple[int, CropPair | None]]:
    """Decode the plate over ``frames`` once, in order: each frame with its aligned crops of the plate and of
    the layer over it (``qc.frames``), or None where ``landmarks`` (frame -> plate face) has no face."""
    clip = workspace.manifest.plate
    colour, wanted = ColourTransform(clip.colour_space), set(frames)
    with open_plate(clip.path, first_frame=clip.first_frame) as plate:
        for frame, image in plate.iter_frames(FrameRange(frames[0], frames[-1])):
            if frame not in wanted:
                continue
            if frame not in landmarks:
                yield frame, None
                continue
            layer, corner = read_image_window(layer_path(layer_pattern, frame))
            yield frame, crop_pair(frame, image, layer, corner, landmarks[frame], colour, size)


def measure_frames(
    workspace: Workspace,
    settings: QcSettings,
    frames: list[int],
    layer_pattern: str,
    faces: ShotFaces,
    reporter: Reporter,
    judge: Judge | None = None,
) -> Measured:
    """Decode the plate over ``frames`` and measure each frame that has a plate face."""
    judge = judge or Judge()
    out = Measured([], {}, {})
    meter = Meter(reporter, "qc", len(frames), unit="frames")
    previous, changes = None, {}
    faced = [faces.landmarks[f] for f in frames if f in faces.landmarks]
    start = mean_crop_landmarks(faced) if faced else None
    for frame, pair in plate_crop_pairs(workspace, frames, layer_pattern, faces.landmarks):
        check_cancelled(reporter, f"before frame {frame}")
        row = FrameRow(frame)
        if pair is not None:
            embed = (len(out.face_points) % settings.identity_every) == 0
            _measure_pair(judge, pair, faces, row, out, embed, start)
            if previous is not None and previous.frame == frame - 1:
                changes[frame] = _changes(previous, pair)
            previous = pair
        out.rows.append(row)
        meter.advance()
    _finish_clip(out, changes, settings.min_expression_motion)
    return out


def _measure_pair(
    judge: Judge, pair: CropPair, faces: ShotFaces, row: FrameRow, out: Measured, embed: bool, start: np.ndarray
) -> None:
    reading = judge.read(pair.composite, pair.plate, start, embed=embed)
    out.face_points[pair.frame], out.plate_points[pair.frame] = reading.face_points, reading.plate_points
    row.face = True
    if reading.embedding is not None:
        _, to_source, to_plate = measures.identity_fraction(
            reading.embedding[None], faces.source_identity, faces.plate_identity[pair.frame]
        )
        row.to_source, row.to_plate = float(to_source[0]), float(to_plate[0])
    row.pose_diff = [
        round(float(d), 2)
        for d in measures.pose_difference(reading.face_points, reading.plate_points, CROP_SIZE, pair.to_plate)
    ]
    skin = face_mask(reading.plate_points, CROP_SIZE) * (pair.matte > 0.5)
    row.seam = measures.seam_ratio(pair.composite, pair.plate, pair.matte)
    row.delta_e = measures.colour_difference(pair.composite, pair.plate, skin)
    plate_energy = measures.laplacian_energy(pair.plate, skin)
    row.sharpness = measures.laplacian_energy(pair.composite, skin) / plate_energy if plate_energy > 0 else None


def _changes(before: CropPair, after: CropPair) -> tuple[float, float]:
    """(composite, plate) change from ``before`` to ``after`` inside either frame's matte."""
    weight = np.maximum(before.matte, after.matte)
    return (
        measures.frame_change(after.composite, before.composite, weight),
        measures.frame_change(after.plate, before.plate, weight),
    )


def _finish_clip(out: Measured, changes: dict[int, tuple[float, float]], min_motion: float) -> None:
    """Expression over the clip's faces (unless the plate's face is too still to follow); flicker over
    each run of consecutive measured frames."""
    measured = [r for r in out.rows if r.face]
    if len(measured) > 1:
        plate = np.stack([out.plate_points[r.frame] for r in measured])
        out.expression_motion = measures.expression_motion(plate)
        if out.expression_motion >= min_motion:
            errors = measures.expression_errors(np.stack([out.face_points[r.frame] for r in measured]), plate)
            for row, error in zip(measured, errors):
                row.expression = float(error)
    _compare_eyes(out, measured)
    for run in _consecutive_runs(measured):
        pairs = [changes[r.frame] for r in run[1:]]
        ratios = measures.flicker_ratios([c for c, _ in pairs], [p for _, p in pairs])
        for row, ratio in zip(run, ratios):
            row.flicker = float(ratio)


def _compare_eyes(out: Measured, measured: list[FrameRow]) -> None:
    """Each frame's eye openness gap (swap minus plate) over the plate's median openness: a blink in the plate
    the swap does not keep (or one it adds) is most of an open eye."""
    plate = [eye_openness(out.plate_points[r.frame]) for r in measured]
    level = float(np.median(plate)) if plate else 0.0
    for row, plate_open in zip(measured, plate):
        if level > 0:
            row.eyes = abs(eye_openness(out.face_points[row.frame]) - plate_open) / level


def _consecutive_runs(rows: list[FrameRow]) -> list[list[FrameRow]]:
    runs: list[list[FrameRow]] = []
    for row in rows:
        if runs and runs[-1][-1].frame == row.frame - 1:
            runs[-1].append(row)
        else:
            runs.append([row])
    return runs
