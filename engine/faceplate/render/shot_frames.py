"""A render of the shot, below the render stage: each frame's record (what its files would carry if rendered
now: the engine's version, the model's sha256, the settings digest that applies to the frame, its faces, the
consent), the learned
mask and the destination faceset a render reads, and every frame rendered outside the layer's versions (a
layer preview while training, ``training.layer_previews``). The render stage (``stages.render``) plans
versions on these records."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from faceplate import __version__
from faceplate.errors import RenderError
from faceplate.faces.faceset import INDEX_NAME, Faceset, read_shot_faceset
from faceplate.masks.xseg import load_mask_session
from faceplate.media import FrameRange
from faceplate.provenance import model_identity, provenance_attributes, provenance_record
from faceplate.render.face_plan import extracted_frames
from faceplate.render.frames import render_frames
from faceplate.render.generator import OnnxGenerator
from faceplate.render.outputs import RenderPaths
from faceplate.render.plan import Plan
from faceplate.render.result import RenderResult
from faceplate.render.settings import RenderSettings
from faceplate.reporting import Reporter
from faceplate.workspace import Workspace
from faceplate.workspace.consent import Consent, check_consent

RECORD_SCHEMA = "RenderFrame.2"


def render_unversioned(
    workspace: Workspace, settings: RenderSettings, model_path: Path, paths: RenderPaths, reporter: Reporter, run
) -> RenderResult:
    """Every frame of the shot through the generator at ``model_path`` into ``paths``, outside the layer's
    versions and with no stage record of its own (a layer preview while training; ``run``: the train run, named
    in the files' provenance): the render stage's checks, frame records and frame pipeline."""
    consent = check_consent(workspace.manifest.consent_ref, settings.waive_consent, workspace.manifest.shot)
    generator = OnnxGenerator(model_path, settings.device)
    frames = list(workspace.frame_range)
    learned_path = learned_mask_path(workspace, settings, frames)
    faceset = destination_faceset(workspace)
    model_sha, records = frame_records(workspace, settings, generator, learned_path, faceset, consent)
    model = model_identity(model_path, generator.metadata, model_sha)
    attributes = provenance_attributes(provenance_record(workspace.manifest, consent, model, run))
    result = RenderResult(layer_pattern=paths.layer_pattern)
    learned = load_mask_session(learned_path, prefer_gpu=settings.device != "cpu") if learned_path else None
    plan = Plan(records, None, None, paths, todo=frames)
    render_frames(workspace, settings, generator, learned, plan, faceset, reporter, result, attributes)
    return result


def frame_records(
    workspace: Workspace, settings: RenderSettings, generator, learned_path, faceset, consent: Consent
) -> tuple[str, dict[int, dict]]:
    """The model's sha256 and every shot frame's record as a render with it would make it now."""
    model_sha = file_sha256(generator.model.path)
    learned_sha = file_sha256(learned_path) if learned_path else None
    faces = extracted_faces(faceset)
    records = {
        f: frame_record(settings, f, model_sha, learned_sha, faces, workspace.frame_range, consent)
        for f in workspace.frame_range
    }
    return model_sha, records


def learned_mask_path(workspace: Workspace, settings: RenderSettings, frames: list[int]) -> Path | None:
    if not any("learned" in settings.merge_for(f).mask_parts for f in frames):
        return None
    path = workspace.root / "masks" / "xseg.onnx"
    if not path.is_file():
        raise RenderError(f"mask uses 'learned' but {path} does not exist; run `faceplate mask` or drop 'learned'")
    return path


def destination_faceset(workspace: Workspace) -> Faceset | None:
    folder = workspace.faceset_dir("destination")
    return read_shot_faceset(workspace, "destination") if (folder / INDEX_NAME).is_file() else None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def frame_record(
    settings: RenderSettings,
    frame: int,
    model_sha: str,
    learned_sha: str | None,
    faces: dict[int, list],
    shot_range: FrameRange,
    consent: Consent,
) -> dict:
    """The record ``frame``'s files would carry if rendered now (the consent too: its headers say it). The
    engine's version too: an engine whose merge changed makes other pixels from the same model and settings,
    so its first render re-renders what an earlier engine made rather than carrying it into a new version."""
    merge = settings.merge_for(frame)
    window = [f for f in range(frame - merge.smoothing_frames, frame + merge.smoothing_frames + 1) if f in shot_range]
    extra = {"learned_mask": learned_sha if "learned" in merge.mask_parts else None}
    landmarks = {f: faces.get(f, "detect") for f in window}  # what the frame's smoothed landmarks come from
    return {
        "schema": RECORD_SCHEMA,
        "frame": frame,
        "engine": __version__,
        "model": model_sha,
        "settings": settings.frame_digest(frame, extra),
        "faces": hashlib.sha256(json.dumps(landmarks, sort_keys=True).encode()).hexdigest()[:16],
        "consent": consent.text,
    }


def extracted_faces(faceset: Faceset | None) -> dict[int, list]:
    """Per extracted plate frame, its faces' (track, landmarks); frames not extracted are detected at render."""
    faces: dict[int, list] = {f: [] for f in extracted_frames(faceset)}
    for record in faceset.records if faceset else ():
        if record.source == "plate" and record.frame in faces:
            faces[record.frame].append((record.track, np.round(record.landmarks_array, 3).tolist()))
    return {f: sorted(v) for f, v in faces.items()}
