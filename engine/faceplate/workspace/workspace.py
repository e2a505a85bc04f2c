"""The shot workspace: the unit on disk every stage reads and writes.

SHOT/
  faceplate.json            manifest (Workspace.1): plate, range, sources, settings, stage runs
  facesets/destination/     aligned plate faces + index.jsonl
  facesets/source/          aligned source faces + index.jsonl
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import logging
import os
import platform
import socket
from pathlib import Path
from typing import Any, Callable, Iterator

from pydantic import ValidationError

from faceplate import __version__
from faceplate.atomic import remove_stale_temp_files, write_text_atomic
from faceplate.errors import FaceplateError, MediaError, StageCancelled, WorkspaceError
from faceplate.media import FrameRange
from faceplate.media.colour import WORKING_SPACE
from faceplate.media.pathmap import map_path, session_rules
from faceplate.settings import merge_settings
from faceplate.workspace.clips import check_fps, check_same_media, probe_clip
from faceplate.workspace.consent import clean_consent_ref
from faceplate.workspace.lock import WorkspaceLock, shot_files_locked
from faceplate.workspace.manifest import Manifest, StageRun, check_schema, now_iso

MANIFEST_NAME = "faceplate.json"
log = logging.getLogger(__name__)
_VERSIONED = (
    "numpy",
    "opencv-python-headless",
    "dlib-bin",
    "av",
    "OpenImageIO",
    "opencolorio",
    "torch",
    "onnxruntime-gpu",
    "onnxruntime",
)


def package_versions() -> dict[str, str]:
    found = {"faceplate": __version__, "python": platform.python_version()}
    for name in _VERSIONED:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found[name] = importlib.metadata.version(name)
    return found


class Workspace:
    """A shot on disk. Writers hold :meth:`locked` (one writer per shot, or shared render chunks); every
    manifest change is a patch applied to the manifest as it is on disk, under the short manifest lock,
    so no record another run wrote is lost."""

    def __init__(self, root: Path, manifest: Manifest):
        self.root, self.manifest = Path(os.path.abspath(root)), manifest
        self.lock = WorkspaceLock(self.root)

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST_NAME

    @property
    def frame_range(self) -> FrameRange:
        return FrameRange.parse(self.manifest.range)

    def faceset_dir(self, role: str) -> Path:
        return self.root / "facesets" / role

    def inside(self, relative: str | Path, base: Path | None = None) -> Path:
        """``base / relative`` (default the shot folder), refused unless it stays inside the shot: paths
        read back from indexes and manifests are never trusted to point elsewhere."""
        return path_inside(base or self.root, relative, self.root)

    # --- the lock -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self, stage: str, check_media: bool = True, shared: bool = False) -> Iterator["Workspace"]:
        """Hold the shot for ``stage``: refuse if another program does (WorkspaceBusy, nothing
        touched); check the plate and sources are the media the shot was made from; when nobody else
        holds the shot, mark runs whose process died ``interrupted`` and clear their temp files.
        ``shared`` (render): other shared holders may work on the shot at the same time (see lock.py)."""
        self.lock.acquire(stage, shared)
        try:
            if self.lock.outermost:
                self.manifest = _read_manifest(self.manifest_path)
                if check_media:
                    self.check_media()
                if self.lock.exclusive:  # a shared holder's temp files and 'running' record are live
                    self._recover_interrupted()
                if shared:
                    self.lock.share()
                    self.manifest = _read_manifest(self.manifest_path)  # another holder may have come between
            yield self
        finally:
            self.lock.release()

    def _recover_interrupted(self) -> None:
        """We hold the lock exclusively, so no run can still be going: a 'running' record is a process
        that died, and a temp file one it left."""
        stale = [r.id for r in self.manifest.stages if r.status == "running"]
        removed = remove_stale_temp_files(self.root)
        if removed:
            log.info("removed %d temporary file(s) left by an interrupted run", len(removed))
        if stale:

            def mark(m: Manifest) -> None:
                for run in m.stages:
                    if run.id in stale:
                        run.status, run.finished = "interrupted", run.finished or now_iso()
                        run.error = run.error or "the process stopped before the run finished (killed or crashed)"

            self.update(mark)

    def check_media(self) -> None:
        """WorkspaceError saying what changed when the plate or a source is not what init recorded."""
        for clip in [self.manifest.plate, *self.manifest.sources]:
            check_same_media(clip)

    # --- the manifest -------------------------------------------------------------------------
    def update(self, patch: Callable[[Manifest], None]) -> None:
        """Re-read the manifest, apply ``patch``, write it atomically (the caller holds the shot lock).
        Under the short manifest lock too: shared holders (render chunks) patch it at the same time."""
        if not self.lock.held:
            raise WorkspaceError(f"internal: manifest of {self.root} changed without holding the shot's lock")
        with shot_files_locked(self.root):
            current = _read_manifest(self.manifest_path) if self.manifest_path.is_file() else self.manifest
            patch(current)
            self._write(current)

    def _write(self, manifest: Manifest) -> None:
        try:
            text = json.dumps(manifest.model_dump(by_alias=True), indent=2, allow_nan=False)
        except ValueError as exc:  # NaN/inf: settings are validated, so this is a bug, but never write bad JSON
            raise WorkspaceError(
                f"internal: the manifest of {self.root} would hold a non-finite number ({exc})"
            ) from exc
        write_text_atomic(self.manifest_path, text + "\n")
        self.manifest = manifest

    def stored_settings(self, stage: str) -> dict:
        return dict(self.manifest.settings.get(stage) or {})

    def settings_for(self, stage: str, cls, changes: dict | None = None):
        """The stage's settings: what the shot remembers, ``changes`` on top, validated."""
        return merge_settings(cls, self.stored_settings(stage), changes, stage)

    @contextlib.contextmanager
    def stage_run(
        self, stage: str, inputs: dict[str, Any], parameters: dict[str, Any], remember: dict | None = None
    ) -> Iterator[StageRun]:
        """Record a stage run: 'running' now (and the settings the shot remembers for ``stage``), then
        'done', 'cancelled' or 'failed' with the error's message. Call it once the inputs are checked,
        so refused input leaves the shot untouched."""
        run = StageRun(
            stage=stage,
            status="running",
            started=now_iso(),
            inputs=inputs,
            parameters=parameters,
            versions=package_versions(),
            pid=os.getpid(),
            host=socket.gethostname(),
        )

        def start(m: Manifest) -> None:
            m.stages.append(run.model_copy(deep=True))
            if remember is not None:
                m.settings[stage] = remember

        with self.locked(stage):
            self.update(start)
            try:
                yield run
            except BaseException as exc:
                cancelled = isinstance(exc, (StageCancelled, KeyboardInterrupt))
                run.status, run.finished = ("cancelled" if cancelled else "failed"), now_iso()
                run.error = str(exc) if isinstance(exc, FaceplateError) else f"{type(exc).__name__}: {exc}"
                self._finish(run)
                raise
            run.status, run.finished = "done", now_iso()
            self._finish(run)

    def _finish(self, run: StageRun) -> None:
        def patch(m: Manifest) -> None:
            for i, existing in enumerate(m.stages):
                if existing.id == run.id:
                    m.stages[i] = run.model_copy(deep=True)
                    return
            m.stages.append(run.model_copy(deep=True))

        self.update(patch)


def path_inside(base: Path, relative: str | Path, root: Path) -> Path:
    """``base / relative`` if it resolves inside ``root``; WorkspaceError naming it otherwise."""
    relative = Path(relative)
    candidate = Path(base) / relative
    resolved = Path(os.path.realpath(candidate))
    if relative.is_absolute() or not resolved.is_relative_to(os.path.realpath(root)):
        raise WorkspaceError(
            f"{relative} points outside the shot {root}; the index or manifest naming it was "
            "edited or damaged: restore it or re-run the stage that wrote it"
        )
    return candidate


def _read_manifest(path: Path) -> Manifest:
    """The manifest, its media as this machine sees them: under a farm job the session's path mapping rules
    (``FACEPLATE_PATH_MAPPING``) map a plate or source recorded on another machine; a stage that writes the
    manifest then records the mapped path, as the job's media step (relink) does."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        check_schema(data.get("schema") if isinstance(data, dict) else None, path)
        manifest = Manifest.model_validate(data)
    except WorkspaceError:
        raise
    except (ValidationError, ValueError) as exc:
        raise WorkspaceError(
            f"{path} is damaged or from another version ({_first_problem(exc)}); "
            "restore it or re-run `faceplate init --force`"
        ) from exc
    except OSError as exc:
        raise WorkspaceError(f"cannot read {path}: {exc.strerror}") from exc
    rules = session_rules()
    for clip in (manifest.plate, *manifest.sources):
        clip.path = map_path(clip.path, rules)
    return manifest


def _first_problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
    return exc.__class__.__name__


def _ensure_writable(root: Path) -> None:
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / ".faceplate-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise WorkspaceError(
            f"cannot write to workspace {root}: {exc.strerror}; choose a folder you can write to"
        ) from exc


def init_workspace(
    root: str | Path,
    plate: str | Path,
    frame_range: str | FrameRange | None = None,
    sources: list[str | Path] = (),
    first_frame: int = 1001,
    colour_space: str | None = None,
    fps: str | None = None,
    settings: dict[str, Any] | None = None,
    force: bool = False,
    consent_ref: str | None = None,
) -> Workspace:
    """Create the shot. ``consent_ref``: the consent/rights reference for the person depicted (render
    refuses a shot without one unless waived; see ``faceplate.workspace.consent``)."""
    root = Path(os.path.abspath(root))
    consent_ref = clean_consent_ref(consent_ref) if consent_ref is not None else None
    if (root / MANIFEST_NAME).exists() and not force:
        raise WorkspaceError(
            f"{root} is already a Faceplate workspace; pass --force to re-initialise it "
            "(existing facesets are kept but will be re-extracted)"
        )
    plate_clip = check_fps(probe_clip(plate, first_frame, colour_space), fps)
    media_range = FrameRange.parse(plate_clip.frame_range)
    if frame_range is not None and not str(frame_range).strip():
        raise MediaError("--range is empty; give the frames to replace (e.g. 1001-1100) or leave --range out for all")
    shot_range = FrameRange.parse(str(frame_range)) if frame_range else media_range
    shot_range.require_within(media_range, f"plate {plate_clip.path}")
    source_clips = [probe_clip(s, first_frame) for s in sources]
    _ensure_writable(root)
    manifest = Manifest(
        shot=root.name,
        plate=plate_clip,
        range=str(shot_range),
        sources=source_clips,
        working_space=WORKING_SPACE,
        consent_ref=consent_ref,
        settings=settings or {},
    )
    workspace = Workspace(root, manifest)
    inputs = {"plate": plate_clip.path, "sources": [c.path for c in source_clips]}
    parameters = {
        "range": str(shot_range),
        "first_frame": first_frame,
        "colour_space": plate_clip.colour_space,
        "fps": plate_clip.fps,
        "consent_ref": consent_ref,
    }
    workspace.lock.acquire("init")
    try:
        workspace._write(manifest)  # a fresh manifest (with --force the old records describe other media)
        with workspace.stage_run("init", inputs, parameters) as run:
            run.outputs = {"manifest": MANIFEST_NAME}
    finally:
        workspace.lock.release()
    return workspace


def read_manifest(root: str | Path, create: str = "create it with `faceplate init`") -> Manifest:
    """The shot's manifest as recorded, for a reader that does not open the shot for writing (the server);
    WorkspaceError with one line when there is none (``create`` says how to make one) or it is damaged."""
    path = Path(os.path.abspath(root)) / MANIFEST_NAME
    if not path.is_file():
        raise WorkspaceError(f"{path.parent} is not a Faceplate workspace (no {MANIFEST_NAME}); {create}")
    return _read_manifest(path)


def open_workspace(root: str | Path) -> Workspace:
    root = Path(os.path.abspath(root))
    manifest = read_manifest(root)
    if not os.access(root, os.W_OK):
        raise WorkspaceError(f"workspace {root} is read-only; stages write into it, so make it writable")
    return Workspace(root, manifest)
