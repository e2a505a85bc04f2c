"""Stage 2, extract: plate range and source clips -> aligned, indexed facesets.

A new faceset is staged (``faceplate.faces.staging``: built in ``<role>.partial/``, swapped into place
only when complete, resumed from its work log) so a failed, cancelled or killed run never damages the
faceset a previous run made.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from faceplate.atomic import write_bytes_atomic, write_text_atomic
from faceplate.errors import ExtractError, MediaError
from faceplate.faces.align import TEMPLATE_NAME, face_type_padding
from faceplate.faces.extract_result import FacesetResult
from faceplate.faces.faceset import INDEX_NAME, FaceRecord, make_header
from faceplate.faces.people import PEOPLE_NAME, PeopleReport
from faceplate.faces.pipeline import ExtractSettings, FacePipeline, reference_embedding
from faceplate.faces.staging import PARTIAL_LOG, finish_faceset, recover_swap, resume_records, staging_dir, up_to_date
from faceplate.media import ColourTransform, FrameRange, open_plate, working_uint8
from faceplate.media.colour import default_plate_space
from faceplate.prefetch import prefetch
from faceplate.reporting import Meter, Reporter, StageResult, check_cancelled
from faceplate.settings import as_plain_dict, remembered
from faceplate.workspace import ClipInfo, Workspace
from faceplate.workspace.freshness import clip_key

log = logging.getLogger(__name__)
SETTINGS = ExtractSettings
ROLES = ("destination", "source")


@dataclass
class ClipJob:
    label: str  # "plate" or "source<N>": prefix of face ids
    clip: ClipInfo
    frames: FrameRange
    step: int = 1

    @property
    def wanted(self) -> list[int]:
        return [f for f in self.frames if (f - self.frames.first) % self.step == 0]


def jobs_for(workspace: Workspace, role: str, settings: ExtractSettings) -> list[ClipJob]:
    m = workspace.manifest
    if role == "destination":
        return [ClipJob("plate", m.plate, workspace.frame_range)]
    if not m.sources:
        raise ExtractError(f"workspace {workspace.root} has no sources; add them with `faceplate init --source PATH`")
    return [
        ClipJob(f"source{i}", c, FrameRange.parse(c.frame_range), settings.source_step) for i, c in enumerate(m.sources)
    ]


def run(workspace: Workspace, settings: ExtractSettings, reporter: Reporter) -> StageResult:
    """Extract each role asked for; a role whose faceset is up to date is left alone unless forced."""
    result = StageResult("extract", status="skipped")
    with workspace.locked("extract"):
        plans = [(role, jobs_for(workspace, role, settings)) for role in settings.roles]  # checks first
        if settings.reference:
            _require_reference(settings.reference)
        for role, jobs in plans:
            check_cancelled(reporter, f"before the {role} faceset")
            faceset = extract_role(workspace, role, jobs, settings, reporter)
            if faceset is None:
                result.lines.append(f"{role}: up to date, nothing to do (use --force to redo)")
                continue
            result.status = "done"
            result.summary[role] = faceset.summary()
            result.outputs[role] = str(workspace.faceset_dir(role).relative_to(workspace.root))
            result.lines += faceset.lines()
            result.detail = {**(result.detail or {}), role: faceset}
    return result


def extract_role(
    workspace: Workspace, role: str, jobs: list[ClipJob], settings: ExtractSettings, reporter: Reporter
) -> FacesetResult | None:
    """One faceset (the caller holds the shot's lock); None when it was already up to date."""
    header = make_header(
        role,
        settings.face_type,
        settings.crop_size,
        TEMPLATE_NAME,
        workspace.manifest.working_space,
        settings=settings.as_dict(),
        clips=[_clip_key(j) for j in jobs],
    )
    final = workspace.faceset_dir(role)
    recover_swap(final)
    if not settings.force and up_to_date(final, header):
        log.debug("%s faceset is up to date (%s)", role, final)
        return None
    inputs = {"role": role, "clips": [{**_clip_key(j), "path": j.clip.path} for j in jobs]}
    with workspace.stage_run("extract", inputs, {"role": role, **as_plain_dict(settings)}, remembered(settings)) as run:
        result = _build_faceset(workspace, role, jobs, header, settings, reporter)
        run.outputs = {"faceset": str(final.relative_to(workspace.root)), "index": f"{final.name}/{INDEX_NAME}"}
        run.summary = result.summary()
    return result


def _clip_key(job: ClipJob) -> dict:
    """What identifies a clip's faces: its frames and fingerprint, not where it lies (relink keeps facesets)."""
    return {"label": job.label, "frames": str(job.frames), "step": job.step, **clip_key(job.clip)}


def _require_reference(path: str) -> None:
    if not Path(path).exists():
        raise ExtractError(f"--reference {path} does not exist; give a still of the person to keep")


def _build_faceset(
    workspace: Workspace, role: str, jobs: list[ClipJob], header: dict, settings: ExtractSettings, reporter: Reporter
) -> FacesetResult:
    final = workspace.faceset_dir(role)
    staging = staging_dir(final)
    done = resume_records(staging, header)
    started = time.perf_counter()
    pipeline = FacePipeline(settings)
    pipeline.selector.reference = _reference(settings, pipeline)
    if done and pipeline.selector.reference is None:  # the identity an uninterrupted run chose first
        pipeline.selector.reference = np.asarray(done[0].embedding, np.float32)
    result = FacesetResult(role, 0, 0, 0, model_load_s=time.perf_counter() - started)
    if not settings.all_faces:
        result.people = PeopleReport(_kept_name(settings, done))
    started = time.perf_counter()
    records = list(done)
    with open(staging / PARTIAL_LOG, "a", encoding="utf-8") as partial, ThreadPoolExecutor(2) as writer:
        for job in jobs:
            records += _extract_clip(job, pipeline, staging, partial, writer, result, done, reporter)
    if not records:
        raise ExtractError(_no_face_message(role, jobs, settings, sum(len(r) for r in result.refused.values())))
    result.faces = len(records)
    result.frames_with_face = len({(r.source, r.frame) for r in records})
    _measure_face_size(result, records, workspace, settings)
    if result.people:
        result.people.seen = [len(other.frames) for other in pipeline.selector.people.others]
        write_text_atomic(staging / PEOPLE_NAME, json.dumps(result.people.summary(), indent=1))
    finish_faceset(staging, final, header, records)
    result.frames_s = time.perf_counter() - started
    return result


def _measure_face_size(
    result: FacesetResult, records: list[FaceRecord], workspace: Workspace, settings: ExtractSettings
) -> None:
    """Median face size against what the model will need: a face the model's crop enlarges cannot give
    it detail (the crop size does not matter: the model trains at its own resolution)."""
    from faceplate.models.config import ModelConfig  # torch-free

    resolution = int(workspace.stored_settings("train").get("resolution") or ModelConfig().resolution)
    sizes = [max(r.box[2] - r.box[0], r.box[3] - r.box[1]) for r in records]
    result.median_face_px = round(float(np.median(sizes)), 1)
    result.model_resolution = resolution
    # the detector box spans about the template's unit square, which a crop pads on each side
    result.model_face_px = round(resolution / (1.0 + 2.0 * face_type_padding(settings.face_type)), 1)


def _extract_clip(
    job: ClipJob,
    pipeline: FacePipeline,
    staging: Path,
    partial,
    writer,
    result: FacesetResult,
    done: list[FaceRecord],
    reporter: Reporter,
) -> list[FaceRecord]:
    """Locate faces on this thread; crop, score and write them on the writer threads (in order). Frames
    with a face in ``done`` (a previous run's) are skipped."""
    skip = {r.frame for r in done if r.source == job.label}
    records: list[FaceRecord] = []
    colour = ColourTransform(job.clip.colour_space)
    stills = job.clip.kind == "stills"
    empty = result.empty_frames.setdefault(job.label, [])
    other = result.other_person.setdefault(job.label, [])
    refused = result.refused.setdefault(job.label, [])
    with open_plate(job.clip.path, first_frame=job.clip.first_frame) as plate:
        result.missing_frames += [f for f in plate.info.missing_frames if f in job.frames]
        wanted = [f for f in job.wanted if f not in skip]
        last = max(skip, default=None)
        if last is not None and not (stills or job.step > 1) and all(f > last for f in wanted):
            pipeline.resume_after([r for r in done if r.source == job.label and r.frame == last])
        result.frames_read += len(job.wanted) - len(wanted)  # done before a resume: read, with a face
        meter = Meter(reporter, f"extract {job.label}", len(wanted), "frames")
        pending: deque = deque()
        try:
            for frame, image in _read_working(plate, job.frames, set(wanted), colour):
                check_cancelled(reporter, f"at {job.label} frame {frame}")
                if stills or job.step > 1:
                    pipeline.reset()  # unrelated images: nothing to follow between them
                faces = pipeline.locate(frame, image)
                refused += pipeline.refused
                pipeline.refused.clear()
                _note_people(result.people, pipeline, job.label)
                for index, face in enumerate(faces):
                    pending.append(
                        writer.submit(_crop_and_write, pipeline, job.label, frame, index, face, image, staging)
                    )
                result.frames_read += 1
                distance = pipeline.selector.other_person.pop(frame, None)  # faces, but not the chosen person's
                if not faces and distance is None:
                    empty.append(frame)
                elif not faces:
                    other.append((frame, distance))
                records += _collect(pending, partial, wait=len(pending) > 16)
                meter.advance()
        except BaseException:
            _salvage(pending, partial)  # keep finished crops for the resume, then stop
            raise
        records += _collect(pending, partial, wait=True, drain=True)
    return records


def _kept_name(settings: ExtractSettings, done: list[FaceRecord]) -> str | None:
    """How the artist knows the person kept; None until the first face is chosen."""
    if settings.reference:
        return f"the person in {Path(settings.reference).name}"
    return f"the largest face of {done[0].source} frame {done[0].frame}" if done else None  # as chosen then


def _note_people(people: PeopleReport | None, pipeline: FacePipeline, label: str) -> None:
    """The frames that held only another person, and (no reference) where the person was chosen."""
    if people is None:
        return
    selector = pipeline.selector
    people.only.setdefault(label, []).extend(selector.only_others)
    selector.only_others.clear()
    if people.kept is None and selector.chosen_at is not None:
        people.kept = f"the largest face of {label} frame {selector.chosen_at}"


def _crop_and_write(
    pipeline: FacePipeline, source: str, frame: int, index: int, face, image, staging: Path
) -> FaceRecord:
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
    if done:
        partial.writelines(record.to_json() + "\n" for record in done)
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
    with _open_still(settings.reference) as still:
        image = working_uint8(
            still.read(still.info.frame_range.first), ColourTransform(default_plate_space(still.info))
        )
    embedding = reference_embedding(image, pipeline)  # same loaded models: no second 0.9 s load
    if embedding is None:
        raise ExtractError(
            f"no face found in the reference image {settings.reference}; give a still where the face is visible"
        )
    return embedding


def _open_still(path: str):
    """The named image itself, even when it is numbered like a sequence frame (open_plate would open the
    sequence of its siblings and read its first frame)."""
    from faceplate.media.image_input import is_image_path
    from faceplate.media.stills import StillsPlate

    return StillsPlate([Path(path)], 1001, path) if Path(path).is_file() and is_image_path(path) else open_plate(path)


def _no_face_message(role: str, jobs: list[ClipJob], settings: ExtractSettings, refused: int = 0) -> str:
    where = "; ".join(f"{j.clip.path} frames {j.frames}" for j in jobs)
    hint = "try --upsample 1 for small faces, --detector cnn for turned heads"
    if settings.reference and not settings.all_faces:
        hint += ", or check that --reference shows the same person"
    found = f" ({refused} crops were refused: not faces)" if refused else ""
    return f"no face found in any frame of the {role} ({where}){found}; check the range, {hint}"
