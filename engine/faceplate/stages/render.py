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

import hashlib
import json
import logging
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from faceplate.errors import RenderError
from faceplate.export.contract import GENERATOR, GENERATOR_FP16
from faceplate.faces.faceset import INDEX_NAME, Faceset, read_shot_faceset
from faceplate.faces.pipeline import Refused
from faceplate.masks.xseg import load_mask_session
from faceplate.media import FrameRange
from faceplate.media.frames import compact_frames, parse_frame_spans, select_frames
from faceplate.provenance import model_identity, provenance_attributes, provenance_record, read_provenance
from faceplate.render.face_plan import extracted_frames
from faceplate.render.frames import render_frames
from faceplate.render.generator import OnnxGenerator
from faceplate.render.outputs import RenderPaths, encode_movie
from faceplate.render.plan import Plan, missing_frames, plan_render
from faceplate.render.settings import RenderSettings
from faceplate.render.versions import carry_frame, publish_version, read_json, read_version, version_paths
from faceplate.reporting import Reporter, StageResult
from faceplate.runtime.session import CUDA, select_providers
from faceplate.settings import as_plain_dict, remembered
from faceplate.workspace import Workspace
from faceplate.workspace.consent import Consent, check_consent
from faceplate.workspace.freshness import check_model_media
from faceplate.workspace.lock import shot_files_locked

# merge + write threads: two on a 2-core machine, more where cores are free (a GPU does the inference)
log = logging.getLogger(__name__)
RECORD_SCHEMA = "RenderFrame.1"
SETTINGS = RenderSettings


@dataclass
class RenderResult:
    frames_written: list[int] = field(default_factory=list)
    frames_skipped: list[int] = field(default_factory=list)  # up to date
    frames_without_face: list[int] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)  # crops the face check refused on frames detected here
    reasons: dict[str, list[int]] = field(default_factory=dict)  # why frames were (re-)rendered
    seconds: float = 0.0
    layer_pattern: str = ""
    version: str | None = None  # the layer version written into (or the latest, when up to date)
    base: str | None = None  # the latest published version before this render
    carried: dict[str, list[int]] = field(default_factory=dict)  # version -> frames linked from it
    frames_missing: list[int] = field(default_factory=list)  # frames the version waits for (another chunk)
    published: bool = False
    movie: str | None = None
    signed: dict | None = None  # content credentials: files signed, signer

    @property
    def frames_carried(self) -> list[int]:
        return sorted(f for frames in self.carried.values() for f in frames)

    @property
    def refused_frames(self) -> list[int]:
        return sorted({r.frame for r in self.refused})

    def summary(self) -> dict:
        fps = len(self.frames_written) / self.seconds if self.seconds else 0.0
        return {
            "frames_written": compact_frames(self.frames_written),
            "frames_skipped": compact_frames(self.frames_skipped),
            "frames_without_face": compact_frames(self.frames_without_face),
            "frames_per_second": round(fps, 2),
            "refused_frames": compact_frames(self.refused_frames),
            "reasons": {why: compact_frames(frames) for why, frames in self.reasons.items()},
            "layer": self.layer_pattern,
            "preview_movie": self.movie,
            "content_credentials": self.signed,
            "version": self.version,
            "base_version": self.base,
            "published": self.published,
            "frames_carried": compact_frames(self.frames_carried),
            "carried_from": {v: compact_frames(f) for v, f in self.carried.items()},
            "frames_missing": compact_frames(self.frames_missing),
        }

    def lines(self) -> list[str]:
        """What the artist reads: what was rendered and why, what was up to date, where it went."""
        why = "; ".join(f"{reason}: {compact_frames(frames)}" for reason, frames in self.reasons.items())
        into = f" into {self.version}" if self.frames_written else ""
        lines = [f"rendered {compact_frames(self.frames_written) or 'nothing'}{into}" + (f" ({why})" if why else "")]
        lines += [
            f"carried {compact_frames(frames)} from {version} (same model, settings and faces)"
            for version, frames in self.carried.items()
        ]
        if self.frames_skipped:
            lines.append(f"skipped (up to date: same model and settings) {compact_frames(self.frames_skipped)}")
        if self.frames_without_face:
            lines.append(
                f"no face to replace in frames {compact_frames(self.frames_without_face)} (empty layer frames written)"
            )
        if self.refused:
            first = self.refused[0]
            lines.append(
                f"the face check refused {len(self.refused)} crop{'s' if len(self.refused) > 1 else ''} "
                f"as not a face in frames {compact_frames(self.refused_frames)} "
                f"(first: frame {first.frame}, {first.reason}); extract those frames to review them"
            )
        lines.append(self._version_line())
        lines.append(f"layer {self.layer_pattern}")
        if self.movie:
            lines.append(f"review movie {self.movie}")
        if self.signed:
            lines.append(
                f"signed {self.signed['files']} review file(s) with C2PA content credentials "
                f"(signer {self.signed['signer']})"
            )
        return lines

    def _version_line(self) -> str:
        if not (self.frames_written or self.carried or self.frames_missing):
            return f"{self.version} is up to date" if self.version else "no layer version yet"
        if self.frames_missing:
            return (
                f"{self.version} is not published yet: frames {compact_frames(self.frames_missing)} are still to "
                "render (the other chunks, or a render without --frames)"
            )
        return f"published {self.version}" + (f" (the editor's {self.base} is kept as it was)" if self.base else "")


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
    learned_path = _learned_mask_path(workspace, settings, frames)
    faceset = _destination_faceset(workspace)  # refused when extracted from other footage
    if not settings.model:
        check_model_media(
            workspace.manifest,
            generator.metadata.get("media"),
            f"the model {generator.model.path}",
            f"make one for this footage: `faceplate train {workspace.root} --no-resume`, then "
            f"`faceplate export {workspace.root}`",
        )
    model_sha, records = _frame_records(workspace, settings, generator, learned_path, faceset, consent)
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


def render_unversioned(
    workspace: Workspace, settings: RenderSettings, model_path: Path, paths: RenderPaths, reporter: Reporter, run
) -> RenderResult:
    """Every frame of the shot through the generator at ``model_path`` into ``paths``, outside the layer's
    versions and with no stage record of its own (a layer preview while training; ``run``: the train run, named
    in the files' provenance): the render stage's checks, frame records and frame pipeline."""
    consent = check_consent(workspace.manifest.consent_ref, settings.waive_consent, workspace.manifest.shot)
    generator = OnnxGenerator(model_path, settings.device)
    frames = list(workspace.frame_range)
    learned_path = _learned_mask_path(workspace, settings, frames)
    faceset = _destination_faceset(workspace)
    model_sha, records = _frame_records(workspace, settings, generator, learned_path, faceset, consent)
    model = model_identity(model_path, generator.metadata, model_sha)
    attributes = provenance_attributes(provenance_record(workspace.manifest, consent, model, run))
    result = RenderResult(layer_pattern=paths.layer_pattern)
    learned = load_mask_session(learned_path, prefer_gpu=settings.device != "cpu") if learned_path else None
    plan = Plan(records, None, None, paths, todo=frames)
    render_frames(workspace, settings, generator, learned, plan, faceset, reporter, result, attributes)
    return result


def _frame_records(
    workspace: Workspace, settings: RenderSettings, generator, learned_path, faceset, consent: Consent
) -> tuple[str, dict[int, dict]]:
    """The model's sha256 and every shot frame's record as a render with it would make it now."""
    model_sha = file_sha256(generator.model.path)
    learned_sha = file_sha256(learned_path) if learned_path else None
    faces = _extracted_faces(faceset)
    records = {
        f: _record(settings, f, model_sha, learned_sha, faces, workspace.frame_range, consent)
        for f in workspace.frame_range
    }
    return model_sha, records


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


def _learned_mask_path(workspace: Workspace, settings: RenderSettings, frames: list[int]) -> Path | None:
    if not any("learned" in settings.merge_for(f).mask_parts for f in frames):
        return None
    path = workspace.root / "masks" / "xseg.onnx"
    if not path.is_file():
        raise RenderError(f"mask uses 'learned' but {path} does not exist; run `faceplate mask` or drop 'learned'")
    return path


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


def _destination_faceset(workspace: Workspace) -> Faceset | None:
    folder = workspace.faceset_dir("destination")
    return read_shot_faceset(workspace, "destination") if (folder / INDEX_NAME).is_file() else None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _record(
    settings: RenderSettings,
    frame: int,
    model_sha: str,
    learned_sha: str | None,
    faces: dict[int, list],
    shot_range: FrameRange,
    consent: Consent,
) -> dict:
    """The record ``frame``'s files would carry if rendered now (the consent too: its headers say it)."""
    merge = settings.merge_for(frame)
    window = [f for f in range(frame - merge.smoothing_frames, frame + merge.smoothing_frames + 1) if f in shot_range]
    extra = {"learned_mask": learned_sha if "learned" in merge.mask_parts else None}
    landmarks = {f: faces.get(f, "detect") for f in window}  # what the frame's smoothed landmarks come from
    return {
        "schema": RECORD_SCHEMA,
        "frame": frame,
        "model": model_sha,
        "settings": settings.frame_digest(frame, extra),
        "faces": hashlib.sha256(json.dumps(landmarks, sort_keys=True).encode()).hexdigest()[:16],
        "consent": consent.text,
    }


def _extracted_faces(faceset: Faceset | None) -> dict[int, list]:
    """Per extracted plate frame, its faces' (track, landmarks); frames not extracted are detected at render."""
    faces: dict[int, list] = {f: [] for f in extracted_frames(faceset)}
    for record in faceset.records if faceset else ():
        if record.source == "plate" and record.frame in faces:
            faces[record.frame].append((record.track, np.round(record.landmarks_array, 3).tolist()))
    return {f: sorted(v) for f, v in faces.items()}
