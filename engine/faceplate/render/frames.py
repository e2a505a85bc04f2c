"""The frame worker pipeline of a render: decode ahead, batch faces through the generator, merge and write
on worker threads, so decode, inference and encode overlap.

``render_frames`` fills a render's result (``frames_written``, ``frames_without_face``, ``refused``,
``seconds``) as frames finish; a cancel lets the frames already handed to the writers finish with their
records and drops the batch not yet dispatched.
"""

from __future__ import annotations

import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from faceplate.atomic import write_text_atomic
from faceplate.errors import StageCancelled
from faceplate.faces.faceset import Faceset
from faceplate.faces.pipeline import ExtractSettings, Refused
from faceplate.masks.xseg import predict_masks
from faceplate.media import ColourTransform, FrameRange, open_plate, to_float01
from faceplate.prefetch import prefetch
from faceplate.render.composite import Region
from faceplate.render.face_plan import FacePlan, extracted_frames, plan_by_detection, plan_from_faceset, smooth_tracks
from faceplate.render.merge import PreparedFace, layer_over, merge_face, prepare_face, tight_region, union_region
from faceplate.render.outputs import RenderPaths, composite_over, write_layer, write_preview
from faceplate.render.plan import Plan
from faceplate.render.settings import RenderSettings
from faceplate.reporting import Meter, check_cancelled
from faceplate.workspace import Workspace

log = logging.getLogger(__name__)
MERGE_WORKERS = max(2, min(8, (os.cpu_count() or 2) - 2))


@dataclass
class FrameJob:
    frame: int
    plate: np.ndarray  # plate colour space, float32 0..1 (or scene-linear)
    faces: list[PreparedFace]
    # (face, predicted mask, learned mask | None, the destination's reconstruction | None) per face
    outputs: list[tuple] = field(default_factory=list)


def _face_plan(
    workspace: Workspace,
    plate,
    faceset: Faceset | None,
    settings: RenderSettings,
    todo: list[int],
    colour: ColourTransform,
) -> tuple[FacePlan, list[Refused]]:
    """Faces per frame to render, smoothed with each frame's own radius over the same neighbours a
    full render sees (so a subset renders exactly the frames a full render would); and the crops the
    face check refused on the frames to render that were detected here."""
    radius = {f: settings.merge_for(f).smoothing_frames for f in todo}
    reach = max(radius.values())
    shot = workspace.frame_range
    needed = sorted({n for f in todo for n in range(f - reach, f + reach + 1) if n in shot})
    extracted = extracted_frames(faceset)
    plan = plan_from_faceset(faceset, FrameRange(needed[0], needed[-1])) if faceset else {}
    missing, refused = [f for f in needed if f not in extracted], []
    if missing:  # found the way the shot's extraction finds them (its remembered detector, reference, all faces)
        log.info("detecting faces on %d frame(s) that were not extracted", len(missing))
        extract = workspace.settings_for("extract", ExtractSettings)
        detected, refused = plan_by_detection(plate, missing, colour, extract)
        plan = {**plan, **detected}
    smoothed = {r: smooth_tracks(plan, r) for r in set(radius.values())}
    wanted = set(todo)
    return {f: smoothed[radius[f]].get(f, []) for f in todo}, [r for r in refused if r.frame in wanted]


def render_frames(
    workspace, settings, generator, learned, plan: Plan, faceset, reporter, result, attributes: dict[str, str]
) -> None:
    todo = plan.todo
    meter = Meter(reporter, "render", len(todo), unit="frames")
    if not todo:
        return
    clip = workspace.manifest.plate
    colour = ColourTransform(clip.colour_space)
    size = (clip.width, clip.height)
    started = time.perf_counter()
    with open_plate(clip.path, first_frame=clip.first_frame) as plate:
        faces, result.refused = _face_plan(workspace, plate, faceset, settings, todo, colour)
        wanted = set(todo)
        reader = prefetch(
            ((f, to_float01(raw)) for f, raw in plate.iter_frames(FrameRange(todo[0], todo[-1])) if f in wanted),
            depth=4,
        )
        write = _Writer(settings, colour, plan.paths, size, plan.records, attributes)
        with ThreadPoolExecutor(MERGE_WORKERS) as workers:
            pending, batch = [], []
            try:
                for frame, image in reader:
                    check_cancelled(reporter, f"before frame {frame}")
                    batch.append(
                        FrameJob(
                            frame,
                            image,
                            [
                                prepare_face(
                                    image,
                                    f,
                                    colour,
                                    generator.face_type,
                                    generator.resolution,
                                    _margin(settings, frame),
                                )
                                for f in faces[frame]
                            ],
                        )
                    )
                    if sum(len(j.faces) for j in batch) >= settings.batch:
                        pending += _dispatch(batch, generator, learned, write, workers)
                        batch = []
                    pending = _collect(pending, result, meter, keep=2 * MERGE_WORKERS + settings.batch)
                pending += _dispatch(batch, generator, learned, write, workers)
                _collect(pending, result, meter, wait=True)
            except StageCancelled:
                # frames handed to the writers finish, with their records; the undispatched batch is dropped
                _collect(pending, result, meter, wait=True)
                raise
            finally:
                reader.close()  # its decoding thread stops before the plate closes (a cancel, an error)
                result.seconds = time.perf_counter() - started
                result.frames_written.sort()
                result.frames_without_face.sort()
                result.frames_with_glasses.sort()


def _margin(settings: RenderSettings, frame: int) -> int:
    """Plate pixels around the face its matte may reach (each frame's own: its pixels never depend
    on which other frames this run renders)."""
    merge = settings.merge_for(frame)
    return int(np.ceil(abs(merge.erode_px) + merge.feather_px)) + 4


def _dispatch(batch: list[FrameJob], generator, learned, write: "_Writer", workers) -> list:
    """Run the generator once for every face in ``batch``; hand each frame to a worker to merge and write."""
    crops = [face.crop for job in batch for face in job.faces]
    if crops:
        faces, masks, own = generator.generate(np.stack(crops))
        # the mask model has its own resolution: predict_masks resizes in and out
        learned_masks = predict_masks(learned, [np.round(c * 255).astype(np.uint8) for c in crops]) if learned else None
        i = 0
        for job in batch:
            for _ in job.faces:
                learned_mask = None if learned_masks is None else learned_masks[i]
                job.outputs.append((faces[i], masks[i], learned_mask, None if own is None else own[i]))
                i += 1
    return [(job.frame, bool(job.faces), workers.submit(write, job)) for job in batch]


def _collect(pending: list, result, meter: Meter, wait: bool = False, keep: int | None = None) -> list:
    """Account for finished frames; waits for the oldest while more than ``keep`` are in flight
    (each holds a full plate frame: without a bound a fast GPU queues the whole shot in memory)."""
    still = []
    for index, (frame, had_face, future) in enumerate(pending):
        in_flight = len(pending) - index
        if wait or future.done() or (keep is not None and in_flight > keep):
            if future.result():  # re-raises a failed write with its message
                result.frames_with_glasses.append(frame)
            result.frames_written.append(frame)
            if not had_face:
                result.frames_without_face.append(frame)
            meter.advance()
        else:
            still.append((frame, had_face, future))
    return still


@dataclass
class _Writer:
    """Merges one frame and writes its files, then its record (a worker thread runs it)."""

    settings: RenderSettings
    colour: ColourTransform
    paths: RenderPaths
    size: tuple[int, int]
    records: dict[int, dict]
    attributes: dict[str, str]  # provenance, in every file's header

    def __call__(self, job: FrameJob) -> bool:
        """Whether the frame kept the plate's glasses in front of a face."""
        record_path = self.paths.record(job.frame)
        record_path.unlink(missing_ok=True)  # until the new files are all written, none describes them
        (layer, region), glasses = self._layer(job)
        write_layer(self.paths, job.frame, layer, region, self.size, self.attributes)
        if self.settings.preview:
            write_preview(self.paths, job.frame, composite_over(job.plate, layer, region), self.colour, self.attributes)
        write_text_atomic(record_path, json.dumps(self.records[job.frame], sort_keys=True) + "\n")
        return glasses

    def _layer(self, job: FrameJob) -> tuple[tuple[np.ndarray, Region], bool]:
        """(the frame's layer and its region, whether it kept the plate's glasses in front of a face)."""
        if not job.faces:
            return (np.zeros((1, 1, 4), np.float32), Region(0, 0, 1, 1)), False
        merge = self.settings.merge_for(job.frame)
        area = union_region([f.region for f in job.faces])
        layer, glasses = np.zeros((area.height, area.width, 4), np.float32), False
        for index, (prepared, (face, mask, learned, own)) in enumerate(zip(job.faces, job.outputs)):
            seed = job.frame * 31 + index
            merged = merge_face(prepared, face, mask, learned, merge, self.colour, seed, own)
            layer_over(layer, area, merged.colours, merged.matte, prepared.region)
            glasses |= merged.glasses
        return tight_region(layer, area), glasses
