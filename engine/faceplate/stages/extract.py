"""Stage 2, extract: plate range and source clips -> aligned, indexed facesets.

A new faceset is built in ``<role>.partial/`` and swapped into place only when complete, so a
failed or interrupted run never damages the faceset a previous run made. Frames already done
in ``.partial`` are kept: re-running after a crash resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from faceplate.atomic import write_bytes_atomic
from faceplate.errors import ExtractError, MediaError
from faceplate.faces.align import TEMPLATE_NAME
from faceplate.faces.faceset import INDEX_NAME, FaceRecord, make_header, write_faceset
from faceplate.faces.pipeline import ExtractSettings, FacePipeline, reference_embedding
from faceplate.media import ColourTransform, FrameRange, open_plate, working_uint8
from faceplate.media.frames import compact_frames
from faceplate.media.colour import default_plate_space
from faceplate.prefetch import prefetch
from faceplate.progress import stage_progress
from faceplate.workspace import ClipInfo, Workspace

log = logging.getLogger(__name__)
ROLES = ("destination", "source")
_PARTIAL_LOG = "records.partial.jsonl"


@dataclass
class ClipJob:
    label: str  # "plate" or "source<N>": prefix of face ids
    clip: ClipInfo
    frames: FrameRange
    step: int = 1


@dataclass
class FacesetResult:
    role: str
    faces: int
    frames_with_face: int
    frames_read: int
    empty_frames: list[int] = field(default_factory=list)
    missing_frames: list[int] = field(default_factory=list)
    model_load_s: float = 0.0  # one-time cost of loading detector, landmark and embedding weights
    frames_s: float = 0.0  # reading and analysing the frames, writing crops and index

    @property
    def frames_per_second(self) -> float:
        return self.frames_read / self.frames_s if self.frames_s else 0.0

    def summary(self) -> dict:
        return {"faces": self.faces, "frames_with_face": self.frames_with_face, "frames_read": self.frames_read,
                "empty_frames": compact_frames(self.empty_frames), "missing_frames": compact_frames(self.missing_frames),
                "model_load_s": round(self.model_load_s, 3), "frames_per_second": round(self.frames_per_second, 2)}


def jobs_for(workspace: Workspace, role: str, settings: ExtractSettings) -> list[ClipJob]:
    m = workspace.manifest
    if role == "destination":
        return [ClipJob("plate", m.plate, workspace.frame_range)]
    if not m.sources:
        raise ExtractError(f"workspace {workspace.root} has no sources; add them with `faceplate init --source PATH`")
    return [ClipJob(f"source{i}", c, FrameRange.parse(c.frame_range), settings.source_step) for i, c in enumerate(m.sources)]


def extract(workspace: Workspace, roles: tuple[str, ...] = ROLES, settings: ExtractSettings | None = None,
            force: bool = False, show_progress: bool = True) -> dict[str, FacesetResult | None]:
    """Run extraction for each role; returns None for a role that was already up to date."""
    settings = settings or ExtractSettings()
    return {role: extract_role(workspace, role, settings, force, show_progress) for role in roles}


def extract_role(workspace: Workspace, role: str, settings: ExtractSettings, force: bool = False,
                 show_progress: bool = True) -> FacesetResult | None:
    jobs = jobs_for(workspace, role, settings)
    header = make_header(role, settings.face_type, settings.crop_size, TEMPLATE_NAME, workspace.manifest.working_space,
                         settings=settings.as_dict(), clips=[_job_key(j) for j in jobs])
    final = workspace.faceset_dir(role)
    if not force and _up_to_date(final, header):
        log.info("%s faceset is up to date (%s); pass --force to extract again", role, final)
        return None
    inputs = {"clips": [_job_key(j) for j in jobs]}
    with workspace.stage_run("extract", inputs, {"role": role, **settings.as_dict()}) as run:
        result = _build_faceset(workspace, role, jobs, header, settings, show_progress)
        run.outputs = {"faceset": str(final.relative_to(workspace.root)), "index": f"{final.name}/{INDEX_NAME}"}
        run.summary = result.summary()
    return result


def _job_key(job: ClipJob) -> dict:
    return {"label": job.label, "path": job.clip.path, "frames": str(job.frames), "step": job.step,
            "colour_space": job.clip.colour_space}


def _up_to_date(folder: Path, header: dict) -> bool:
    index = folder / INDEX_NAME
    if not index.is_file():
        return False
    with open(index, encoding="utf-8") as fh:
        return json.loads(fh.readline()) == header


def _build_faceset(workspace: Workspace, role: str, jobs: list[ClipJob], header: dict,
                   settings: ExtractSettings, show_progress: bool) -> FacesetResult:
    final = workspace.faceset_dir(role)
    staging = final.with_name(final.name + ".partial")
    done = _resume_records(staging, header)
    started = time.perf_counter()
    pipeline = FacePipeline(settings)
    pipeline.selector.reference = _reference(settings, pipeline)
    if done:
        pipeline.selector.reference = np.asarray(done[-1].embedding, np.float32)
    result = FacesetResult(role, 0, 0, 0, model_load_s=time.perf_counter() - started)
    started = time.perf_counter()
    records = list(done)
    with open(staging / _PARTIAL_LOG, "a", encoding="utf-8") as partial, ThreadPoolExecutor(2) as writer:
        for job in jobs:
            skip = {r.frame for r in done if r.source == job.label}
            records += _extract_clip(job, pipeline, staging, partial, writer, result, skip, show_progress)
    if not records:
        raise ExtractError(_no_face_message(role, jobs, settings))
    result.faces = len(records)
    result.frames_with_face = len({(r.source, r.frame) for r in records})
    write_faceset(staging, header, records)
    (staging / _PARTIAL_LOG).unlink()
    _swap_into_place(staging, final)
    result.frames_s = time.perf_counter() - started
    return result


def _extract_clip(job: ClipJob, pipeline: FacePipeline, staging: Path, partial, writer, result: FacesetResult,
                  skip: set[int], show_progress: bool) -> list[FaceRecord]:
    """Locate faces on this thread; crop, score and write them on the writer threads (in order)."""
    records: list[FaceRecord] = []
    colour = ColourTransform(job.clip.colour_space)
    stills = job.clip.kind == "stills"
    with open_plate(job.clip.path, first_frame=job.clip.first_frame) as plate:
        result.missing_frames += [f for f in plate.info.missing_frames if f in job.frames]
        wanted = [f for f in job.frames if (f - job.frames.first) % job.step == 0 and f not in skip]
        pending: deque = deque()
        with stage_progress(f"extract {job.label}", len(wanted), enabled=show_progress) as bar:
            try:
                for frame, image in _read_working(plate, job.frames, set(wanted), colour):
                    if stills or job.step > 1:
                        pipeline.reset()  # unrelated images: nothing to follow between them
                    faces = pipeline.locate(frame, image)
                    for index, face in enumerate(faces):
                        pending.append(writer.submit(_crop_and_write, pipeline, job.label, frame, index, face, image, staging))
                    result.frames_read += 1
                    if not faces:
                        result.empty_frames.append(frame)
                    records += _collect(pending, partial, wait=len(pending) > 16)
                    bar.advance()
            except BaseException:
                _salvage(pending, partial)  # keep finished crops for the resume, then stop
                raise
            records += _collect(pending, partial, wait=True, drain=True)
    empty = [f for f in result.empty_frames if f in job.frames]
    if empty:
        log.warning("%s: no face kept in frames %s", job.label, compact_frames(empty))
    return records


def _crop_and_write(pipeline: FacePipeline, source: str, frame: int, index: int, face, image, staging: Path) -> FaceRecord:
    record, crop = pipeline.crop_face(source, frame, index, face, image)
    _write_crop(staging / record.image, crop)
    return record


def _salvage(pending: deque, partial) -> None:
    with contextlib.suppress(Exception):
        _collect(pending, partial, wait=True, drain=True)


def _collect(pending: deque, partial, wait: bool = False, drain: bool = False) -> list[FaceRecord]:
    """Finished records in submission order, logged for resume; re-raises write errors (disk full...)."""
    done = []
    while pending and (pending[0].done() or wait):
        done.append(pending.popleft().result())
        wait = drain
    for record in done:
        partial.write(record.to_json() + "\n")
    partial.flush()
    return done


def _read_working(plate, frames: FrameRange, wanted: set[int], colour: ColourTransform):
    """Frames converted to the working space, decoded ahead on a background thread."""
    def produce():
        for frame, raw in plate.iter_frames(frames):
            if frame in wanted:
                yield frame, working_uint8(raw, colour)
    return prefetch(produce(), depth=6)


def _write_crop(path: Path, crop: np.ndarray) -> None:
    params = [cv2.IMWRITE_JPEG_QUALITY, 95] if path.suffix == ".jpg" else []
    ok, data = cv2.imencode(path.suffix, np.ascontiguousarray(crop[..., ::-1]), params)
    if not ok:
        raise MediaError(f"could not encode face crop {path}")
    write_bytes_atomic(path, data.tobytes(), durable=False)  # resume re-checks crops against the log


def _reference(settings: ExtractSettings, pipeline: FacePipeline) -> np.ndarray | None:
    if not settings.reference:
        return None
    with open_plate(settings.reference) as still:
        image = working_uint8(still.read(still.info.frame_range.first), ColourTransform(default_plate_space(still.info)))
    embedding = reference_embedding(image, pipeline)  # same loaded models: no second 0.9 s load
    if embedding is None:
        raise ExtractError(f"no face found in the reference image {settings.reference}; give a still where the face is visible")
    return embedding


def _resume_records(staging: Path, header: dict) -> list[FaceRecord]:
    """Records of an interrupted run with the same settings; otherwise start clean."""
    log_path, header_path = staging / _PARTIAL_LOG, staging / "header.json"
    if log_path.is_file() and header_path.is_file() and json.loads(header_path.read_text()) == header:
        records = []
        for line in log_path.read_text(encoding="utf-8").splitlines():
            try:
                record = FaceRecord(**json.loads(line))
            except (ValueError, TypeError):
                break  # a line cut short by the crash: redo from there
            if (staging / record.image).is_file():
                records.append(record)
        log.info("resuming extraction: %d faces already done in %s", len(records), staging)
        log_path.write_text("".join(r.to_json() + "\n" for r in records), encoding="utf-8")
        return records
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "faces").mkdir(parents=True)
    header_path.write_text(json.dumps(header), encoding="utf-8")
    return []


KEPT_ACROSS_RUNS = ("decisions.json",)  # the artist's manual rejects/restores outlive re-extraction


def _swap_into_place(staging: Path, final: Path) -> None:
    (staging / "header.json").unlink(missing_ok=True)
    for name in KEPT_ACROSS_RUNS:
        if (final / name).is_file():
            shutil.copy2(final / name, staging / name)
    old = final.with_name(final.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def _no_face_message(role: str, jobs: list[ClipJob], settings: ExtractSettings) -> str:
    where = "; ".join(f"{j.clip.path} frames {j.frames}" for j in jobs)
    hint = "try --upsample 1 for small faces, --detector cnn for turned heads"
    if settings.reference and not settings.all_faces:
        hint += ", or check that --reference shows the same person"
    return f"no face found in any frame of the {role} ({where}); check the range, {hint}"
