"""Stage 8, render: the plate range through the exported generator -> comp layer, matte, preview.

Decoding runs ahead on a prefetch thread, the generator sees batches of faces from several
frames, and merging + writing run on two worker threads, so decode, inference and encode
overlap. Each frame's files are written atomically; a re-run with the same model and settings
skips finished frames, and ``frames`` renders a subset.
"""

from __future__ import annotations

import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from faceplate.atomic import write_text_atomic
from faceplate.errors import RenderError
from faceplate.export.contract import GENERATOR, GENERATOR_FP16
from faceplate.faces.faceset import INDEX_NAME, read_faceset
from faceplate.faces.pipeline import ExtractSettings
from faceplate.media import ColourTransform, FrameRange, open_plate, to_float01
from faceplate.media.frames import compact_frames
from faceplate.prefetch import prefetch
from faceplate.progress import stage_progress
from faceplate.render.composite import Region
from faceplate.render.face_plan import FacePlan, extracted_frames, plan_by_detection, plan_from_faceset, smooth_tracks
from faceplate.render.generator import OnnxGenerator
from faceplate.render.merge import PreparedFace, layer_over, merge_face, prepare_face, tight_region, union_region
from faceplate.render.outputs import RenderPaths, composite_over, encode_movie, write_layer, write_preview
from faceplate.render.settings import RenderSettings
from faceplate.masks.xseg import MaskSession, load_mask_session, predict_masks
from faceplate.runtime.session import CUDA, select_providers
from faceplate.workspace import Workspace

# merge + write threads: two on a 2-core machine, more where cores are free (a GPU does the inference)
MERGE_WORKERS = max(2, min(8, (os.cpu_count() or 2) - 2))
log = logging.getLogger(__name__)
SIDECAR_SCHEMA = "Render.1"


@dataclass
class RenderResult:
    frames_written: list[int] = field(default_factory=list)
    frames_skipped: list[int] = field(default_factory=list)
    frames_without_face: list[int] = field(default_factory=list)
    seconds: float = 0.0
    layer_pattern: str = ""
    movie: str | None = None

    def summary(self) -> dict:
        fps = len(self.frames_written) / self.seconds if self.seconds else 0.0
        return {"frames_written": compact_frames(self.frames_written), "frames_skipped": compact_frames(self.frames_skipped),
                "frames_without_face": compact_frames(self.frames_without_face), "frames_per_second": round(fps, 2),
                "layer": self.layer_pattern, "preview_movie": self.movie}


@dataclass
class _Job:
    frame: int
    plate: np.ndarray  # plate colour space, float32 0..1 (or scene-linear)
    faces: list[PreparedFace]
    outputs: list[tuple] = field(default_factory=list)  # (face, predicted mask, learned mask | None) per face


def default_model_path(workspace: Workspace, device: str = "auto") -> Path:
    """``export/generator.onnx``, or its half-precision twin where one was exported and CUDA will run it
    (on the CPU half precision only costs time)."""
    half = workspace.root / "export" / GENERATOR_FP16
    if half.is_file() and select_providers(device)[0] == CUDA:
        return half
    return workspace.root / "export" / GENERATOR


def render(workspace: Workspace, settings: RenderSettings, frames: list[int] | None = None,
           model_path: str | Path | None = None, device: str = "auto", show_progress: bool = True) -> RenderResult:
    shot_range = workspace.frame_range
    frames = sorted(frames) if frames else list(shot_range)
    outside = [f for f in frames if f not in shot_range]
    if outside:
        raise RenderError(f"frames {outside[0]}.. are outside the shot range {shot_range}; pick frames inside it")
    generator = OnnxGenerator(model_path or default_model_path(workspace, device), device)
    learned = _learned_mask_model(workspace, settings, device)
    paths = RenderPaths(workspace.root / "render", settings.name, settings.layer_format)
    todo = _frames_to_render(paths, frames, settings, generator)
    inputs = {"plate": workspace.manifest.plate.path, "model": str(generator.model.path)}
    with workspace.stage_run("render", inputs, {"frames": f"{frames[0]}-{frames[-1]}", "settings": settings.digest()}) as run:
        result = _render_frames(workspace, settings, generator, learned, paths, todo, device, show_progress)
        result.frames_skipped = [f for f in frames if f not in todo]
        if settings.preview:
            movie = encode_movie(paths, list(shot_range), Fraction(workspace.manifest.plate.fps or "24"))
            result.movie = str(movie) if movie else None
        result.layer_pattern = paths.layer_pattern
        run.outputs = {"layer": paths.layer_pattern, "matte": str(paths.matte(0)).replace(".0000.", ".####."),
                       "preview_movie": result.movie}
        run.summary = result.summary()
    return result


def _learned_mask_model(workspace: Workspace, settings: RenderSettings, device: str) -> MaskSession | None:
    wants = "learned" in settings.merge.mask_parts or any("learned" in str(o.changes.get("mask", "")) for o in settings.overrides)
    path = workspace.root / "masks" / "xseg.onnx"
    if not wants:
        return None
    if not path.is_file():
        raise RenderError(f"mask uses 'learned' but {path} does not exist; run `faceplate mask` or drop 'learned'")
    return load_mask_session(path, prefer_gpu=device != "cpu")


def _frames_to_render(paths: RenderPaths, frames: list[int], settings: RenderSettings, generator: OnnxGenerator) -> list[int]:
    """All frames if the model or settings changed since the last render, else the unfinished ones."""
    sidecar = paths.root / "render.json"
    identity = {"schema": SIDECAR_SCHEMA, "settings": settings.digest(),
                "model_config": generator.metadata.get("config_hash", ""), "iterations": generator.metadata.get("iterations", "")}
    same = sidecar.is_file() and json.loads(sidecar.read_text()) == identity
    write_text_atomic(sidecar, json.dumps(identity))
    return [f for f in frames if not (same and paths.done(f, settings.preview))]


def _face_plan(workspace: Workspace, plate, frames: list[int], colour: ColourTransform, radius: int) -> FacePlan:
    folder = workspace.faceset_dir("destination")
    faceset = read_faceset(folder) if (folder / INDEX_NAME).is_file() else None
    extracted = extracted_frames(faceset)
    plan = plan_from_faceset(faceset, FrameRange(frames[0], frames[-1])) if faceset else {}
    missing = [f for f in frames if f not in extracted]
    if missing:
        log.info("detecting faces on %d frame(s) that were not extracted", len(missing))
        plan = {**plan, **plan_by_detection(plate, missing, colour, ExtractSettings())}
    return smooth_tracks(plan, radius)


def _render_frames(workspace, settings, generator, learned, paths, todo, device, show_progress) -> RenderResult:
    result = RenderResult()
    if not todo:
        return result
    clip = workspace.manifest.plate
    colour = ColourTransform(clip.colour_space)
    size = (clip.width, clip.height)
    margin = int(np.ceil(abs(settings.merge.erode_px) + settings.merge.feather_px)) + 4
    started = time.perf_counter()
    with open_plate(clip.path, first_frame=clip.first_frame) as plate:
        plan = _face_plan(workspace, plate, todo, colour, settings.merge.smoothing_frames)
        wanted = set(todo)
        reader = prefetch(((f, to_float01(raw)) for f, raw in plate.iter_frames(FrameRange(todo[0], todo[-1]))
                           if f in wanted), depth=4)
        with ThreadPoolExecutor(MERGE_WORKERS) as workers, stage_progress("render", len(todo), enabled=show_progress) as bar:
            pending, batch = [], []
            for frame, image in reader:
                faces = [prepare_face(image, f, colour, generator.face_type, generator.resolution, margin)
                         for f in plan.get(frame, [])]
                batch.append(_Job(frame, image, faces))
                if sum(len(j.faces) for j in batch) >= settings.batch:
                    pending += _dispatch(batch, generator, learned, settings, colour, paths, size, workers)
                    batch = []
                pending = _collect(pending, result, bar, keep=2 * MERGE_WORKERS + settings.batch)
            pending += _dispatch(batch, generator, learned, settings, colour, paths, size, workers)
            _collect(pending, result, bar, wait=True)
    result.seconds = time.perf_counter() - started
    result.frames_written.sort()
    result.frames_without_face.sort()
    return result


def _dispatch(batch: list[_Job], generator, learned, settings, colour, paths, size, workers) -> list:
    """Run the generator once for every face in ``batch``; hand each frame to a worker to merge and write."""
    crops = [face.crop for job in batch for face in job.faces]
    if crops:
        faces, masks = generator.generate(np.stack(crops))
        # the mask model has its own resolution: predict_masks resizes in and out
        learned_masks = predict_masks(learned, [np.round(c * 255).astype(np.uint8) for c in crops]) if learned else None
        i = 0
        for job in batch:
            for _ in job.faces:
                job.outputs.append((faces[i], masks[i], None if learned_masks is None else learned_masks[i]))
                i += 1
    return [(job.frame, bool(job.faces), workers.submit(_finish_frame, job, settings, colour, paths, size)) for job in batch]


def _collect(pending: list, result: RenderResult, bar, wait: bool = False, keep: int | None = None) -> list:
    """Account for finished frames; waits for the oldest while more than ``keep`` are in flight
    (each holds a full plate frame: without a bound a fast GPU queues the whole shot in memory)."""
    still = []
    for index, (frame, had_face, future) in enumerate(pending):
        in_flight = len(pending) - index
        if wait or future.done() or (keep is not None and in_flight > keep):
            future.result()  # re-raises a failed write with its message
            result.frames_written.append(frame)
            if not had_face:
                result.frames_without_face.append(frame)
            bar.advance()
        else:
            still.append((frame, had_face, future))
    return still


def _finish_frame(job: _Job, settings: RenderSettings, colour: ColourTransform, paths: RenderPaths, size) -> None:
    merge = settings.merge_for(job.frame)
    if job.faces:
        area = union_region([f.region for f in job.faces])
        layer = np.zeros((area.height, area.width, 4), np.float32)
        for index, (prepared, (face, mask, learned)) in enumerate(zip(job.faces, job.outputs)):
            colours, matte = merge_face(prepared, face, mask, learned, merge, colour, seed=job.frame * 31 + index)
            layer_over(layer, area, colours, matte, prepared.region)
        layer, region = tight_region(layer, area)
    else:
        layer, region = np.zeros((1, 1, 4), np.float32), Region(0, 0, 1, 1)
    write_layer(paths, job.frame, layer, region, size)
    if settings.preview:
        write_preview(paths, job.frame, composite_over(job.plate, layer, region), colour)
