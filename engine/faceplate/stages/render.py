"""Stage 8, render: the plate range through the exported generator -> comp layer, matte, preview.

The frames go through ``render.frames`` (decode ahead, batched inference, merge and write on worker
threads).

Each frame's files are written atomically and then a small record of what made them: the model
(sha256 of the ONNX file) and the digest of the settings that applied to that frame (its merge
settings with the range overrides, the layer format, the learned mask model) and of its faces.

Renders that change frames write the next version of the layer (``render/v002/...``, see
``render.versions``); frames whose record an earlier version already holds are carried from it, the
requested rest rendered (``render.plan``), and the version is published once it holds every frame of the
shot. ``frames`` renders a subset; a version never published waits for the other chunks.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

from faceplate.atomic import read_json
from faceplate.errors import RenderError
from faceplate.export.contract import GENERATOR, GENERATOR_FP16
from faceplate.masks.xseg import load_mask_session
from faceplate.media import FrameRange
from faceplate.media.frames import compact_frames, parse_frame_spans, select_frames
from faceplate.provenance import model_identity, provenance_attributes, provenance_record, read_provenance
from faceplate.render.frames import render_frames
from faceplate.render.generator import OnnxGenerator
from faceplate.render.outputs import RenderPaths, encode_movie
from faceplate.render.plan import Plan, missing_frames, plan_render
from faceplate.render.result import RenderResult
from faceplate.render.settings import RenderSettings
from faceplate.render.shot_frames import destination_faceset, frame_records, learned_mask_path
from faceplate.render.versions import carry_frame, publish_version, read_version, version_paths
from faceplate.reporting import Reporter, StageResult
from faceplate.runtime.session import CUDA, select_providers
from faceplate.settings import as_plain_dict, remembered
from faceplate.workspace import Workspace
from faceplate.workspace.consent import check_consent
from faceplate.workspace.freshness import check_model_media
from faceplate.workspace.lock import shot_files_locked

# merge + write threads: two on a 2-core machine, more where cores are free (a GPU does the inference)
log = logging.getLogger(__name__)
SETTINGS = RenderSettings


def default_model_path(workspace: Workspace, device: str = "auto") -> Path:
    """``export/generator.onnx``, or its half-precision twin where one was exported and CUDA will run it
    (on the CPU half precision only costs time)."""
    half = workspace.root / "export" / GENERATOR_FP16
    if half.is_file() and select_providers(device)[0] == CUDA:
        return half
    return workspace.root / "export" / GENERATOR


def run(workspace: Workspace, settings: RenderSettings, reporter: Reporter) -> StageResult:
    """Render the requested frames that the shot's layer versions do not already hold, into a new version
    (or the unpublished one this render's chunks share); everything is checked before the shot is touched."""
    # refused: one line, nothing written
    consent = check_consent(workspace.manifest.consent_ref, settings.waive_consent, workspace.manifest.shot)
    signing = _signing_key(settings)
    frames = select_frames(settings.frames, workspace.frame_range)
    _check_overrides(settings, workspace.frame_range)
    occlusion = _occlusion_asked(settings, frames)
    generator = OnnxGenerator(
        Path(settings.model) if settings.model else default_model_path(workspace, settings.device),
        settings.device,
        reconstruct=bool(occlusion),
    )
    _check_occlusion(occlusion, generator)
    learned_path = learned_mask_path(workspace, settings, frames)
    faceset = destination_faceset(workspace)  # refused when extracted from other footage
    if not settings.model:
        check_model_media(
            workspace.manifest,
            generator.metadata.get("media"),
            f"the model {generator.model.path}",
            f"make one for this footage: `faceplate train {workspace.root} --no-resume`, then "
            f"`faceplate export {workspace.root}`",
        )
    model_sha, records = frame_records(workspace, settings, generator, learned_path, faceset, consent)
    inputs = {
        "plate": workspace.manifest.plate.path,
        "model": str(generator.model.path),
        "model_sha256": model_sha,
        "consent": consent.as_dict(),
    }
    render_dir = workspace.root / "render"
    with workspace.stage_run("render", inputs, as_plain_dict(settings), remembered(settings)) as run_record:
        with shot_files_locked(workspace.root):  # chunks of one render starting together agree on the version
            plan = plan_render(
                render_dir,
                records,
                frames,
                {"name": settings.name, "layer_format": settings.layer_format},
                settings.preview,
            )
        run_record.provenance = provenance_record(
            workspace.manifest, consent, model_identity(generator.model.path, generator.metadata, model_sha), run_record
        )
        attributes = provenance_attributes(run_record.provenance)  # in every file this run writes
        result = RenderResult(
            frames_skipped=plan.skipped,
            reasons=plan.reasons,
            version=plan.version,
            base=plan.base,
            layer_pattern=plan.paths.layer_pattern if plan.paths else "",
        )
        if plan.writes:
            _carry_frames(render_dir, plan, result)
            wanted = learned_path and plan.todo
            learned = load_mask_session(learned_path, prefer_gpu=settings.device != "cpu") if wanted else None
            render_frames(workspace, settings, generator, learned, plan, faceset, reporter, result, attributes)
            _finish_version(workspace, settings, plan, result, attributes, signing, run_record)
        elif plan.paths and plan.paths.movie.is_file():
            result.movie, result.published = str(plan.paths.movie), True
        run_record.outputs = {
            "version": plan.version,
            "layer": result.layer_pattern,
            "matte": str(plan.paths.matte(0)).replace(".0000.", ".####.") if plan.paths else None,
            "preview_movie": result.movie,
        }
        run_record.summary = result.summary()
    return StageResult(
        "render",
        "done" if result.frames_written or result.frames_carried else "skipped",
        result.summary(),
        dict(run_record.outputs),
        result.lines(),
        result,
    )


def _carry_frames(render_dir: Path, plan: Plan, result: RenderResult) -> None:
    """Frames an earlier version holds exactly as this render would make them: linked, not rendered."""
    for frame, source in sorted(plan.carried.items()):
        carry_frame(version_paths(render_dir, source, {}), plan.paths, frame)
        result.carried.setdefault(source, []).append(frame)


def _finish_version(
    workspace: Workspace,
    settings: RenderSettings,
    plan: Plan,
    result: RenderResult,
    attributes: dict[str, str],
    signing,
    run_record,
) -> None:
    """Sign this render's previews (``--sign``) and publish the version once every frame of the shot is in it
    (the render that completes it, whichever chunk that is): review movie and its signature, then
    version.json and latest.json. A version another chunk published meanwhile is left as it is."""
    paths = plan.paths
    with shot_files_locked(workspace.root):  # other render chunks may share the shot
        result.frames_missing = missing_frames(paths, plan.records, settings.preview)
        result.published = bool((read_version(paths.root.parent, plan.version) or {}).get("published"))
        if result.published:
            return
        if signing is not None:
            mine = sorted(set(result.frames_written) | set(plan.carried))
            result.signed = _sign_review_files(paths, mine, None, signing, run_record.provenance)
        if result.frames_missing:
            return
        if settings.preview:
            fps = Fraction(workspace.manifest.plate.fps or "24")
            movie = encode_movie(paths, list(workspace.frame_range), fps, attributes)
            result.movie = str(movie) if movie else None
        if signing is not None and result.movie:
            movie_signed = _sign_review_files(paths, [], result.movie, signing, run_record.provenance)
            result.signed = {**movie_signed, "files": result.signed["files"] + movie_signed["files"]}
        publish_version(
            paths.root.parent,
            plan.version,
            {
                "layer": paths.layer_pattern,
                "matte": str(paths.matte(0)).replace(".0000.", ".####."),
                "preview_movie": result.movie,
                "frame_range": workspace.manifest.range,
                "changed": compact_frames(_changed_frames(paths.root.parent, plan)),
                "provenance": run_record.provenance,
            },
        )
        result.published = True


def _changed_frames(render_dir: Path, plan: Plan) -> list[int]:
    """The frames whose record differs from the base version's: what this version re-rendered."""
    if plan.base is None:
        return list(plan.records)
    base = version_paths(render_dir, plan.base, {})
    return [f for f, wanted in plan.records.items() if read_json(base.record(f)) != wanted]


def _signing_key(settings: RenderSettings):
    """``--sign``: the key, checked by c2pa now (a refused certificate costs one line and no files)."""
    if settings.sign_cert is None:
        return None
    from faceplate.credentials import check_can_sign, load_signing_key

    key = load_signing_key(settings.sign_cert, settings.sign_key)
    check_can_sign(key)
    return key


def _sign_review_files(paths: RenderPaths, frames: list[int], movie: str | None, key, record: dict) -> dict:
    """Content credentials on the review movie and the requested frames' previews (C2PA has no EXR binding).
    Each file is signed with the provenance it carries: a frame this run skipped was made by an earlier run."""
    from faceplate.credentials import sign_files

    files = [paths.preview(f) for f in frames if paths.preview(f).is_file()] + ([Path(movie)] if movie else [])
    sign_files([(path, read_provenance(path) or record) for path in files], key)
    return {"files": len(files), "movie": bool(movie), "signer": key.subject}


def _occlusion_asked(settings: RenderSettings, frames: list[int]) -> set[str]:
    """The ``occlusion`` values (auto, on) of the frames whose matte takes the occlusion cue."""
    merges = [settings.merge_for(f) for f in frames]
    return {m.occlusion for m in merges if m.finds_occluders("learned" in m.mask_parts)}


def _check_occlusion(asked: set[str], generator: OnnxGenerator) -> None:
    """A model exported before the occlusion cue has no reconstruction: ``on`` is refused, ``auto`` says so."""
    if generator.reconstructs or not asked:
        return
    fix = "export it again (`faceplate export`) to keep what stands in front of the face from the plate"
    if "on" in asked:
        raise RenderError(f"--occlusion on: {generator.model.path} has no reconstruction output; {fix}")
    log.warning("%s has no reconstruction output, so occluders are not found; %s", generator.model.path, fix)


def _check_overrides(settings: RenderSettings, shot_range: FrameRange) -> None:
    """An override that holds no frame of the shot would change nothing: refused, not rendered as if it had
    (a note written in another numbering, e.g. a movie's frames counted from 1)."""
    for override in settings.overrides:
        if not any(
            span.first <= shot_range.last and span.last >= shot_range.first
            for span in parse_frame_spans(override.frames)
        ):
            raise RenderError(
                f"the override for frames {override.frames} holds no frame of the shot range "
                f"{shot_range}; give the frames in the plate's numbering"
            )
