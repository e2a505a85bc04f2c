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
import os
import platform
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterator

from pydantic import ValidationError

from faceplate import __version__
from faceplate.atomic import write_text_atomic
from faceplate.errors import FaceplateError, MediaError, WorkspaceError
from faceplate.media import ColourTransform, FrameRange, open_plate
from faceplate.media.colour import WORKING_SPACE, default_plate_space
from faceplate.workspace.manifest import ClipInfo, Manifest, StageRun, now_iso

MANIFEST_NAME = "faceplate.json"
_VERSIONED = ("numpy", "opencv-python-headless", "dlib-bin", "av", "OpenImageIO", "opencolorio", "torch",
              "onnxruntime-gpu", "onnxruntime")


def package_versions() -> dict[str, str]:
    found = {"faceplate": __version__, "python": platform.python_version()}
    for name in _VERSIONED:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found[name] = importlib.metadata.version(name)
    return found


class Workspace:
    def __init__(self, root: Path, manifest: Manifest):
        self.root, self.manifest = Path(root), manifest

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST_NAME

    @property
    def frame_range(self) -> FrameRange:
        return FrameRange.parse(self.manifest.range)

    def faceset_dir(self, role: str) -> Path:
        return self.root / "facesets" / role

    def save(self) -> None:
        text = json.dumps(self.manifest.model_dump(by_alias=True), indent=2)
        try:
            write_text_atomic(self.manifest_path, text + "\n")
        except OSError as exc:
            raise WorkspaceError(f"cannot write {self.manifest_path}: {exc.strerror}; check the folder's permissions and free space") from exc

    @contextlib.contextmanager
    def stage_run(self, stage: str, inputs: dict[str, Any], parameters: dict[str, Any]) -> Iterator[StageRun]:
        """Record a stage run: 'running' now, then 'done' or 'failed' with the error's message."""
        run = StageRun(stage=stage, status="running", started=now_iso(), inputs=inputs, parameters=parameters,
                       versions=package_versions())
        self.manifest.stages.append(run)
        self.save()
        try:
            yield run
        except BaseException as exc:
            run.status, run.finished = "failed", now_iso()
            run.error = str(exc) if isinstance(exc, FaceplateError) else f"{type(exc).__name__}: {exc}"
            self.save()
            raise
        run.status, run.finished = "done", now_iso()
        self.save()


def probe_clip(path: str | Path, first_frame: int, colour_space: str | None = None) -> ClipInfo:
    """Open media once to record what it is; raises MediaError naming the file on failure."""
    with open_plate(path, first_frame=first_frame) as plate:
        info = plate.info
    space = colour_space or default_plate_space(info)
    ColourTransform(space)  # fail now, naming the space, rather than mid-extraction
    return ClipInfo(path=str(Path(path).resolve()) if Path(path).exists() else str(path), kind=info.kind,
                    width=info.width, height=info.height, fps=str(info.fps) if info.fps else None,
                    frame_range=str(info.frame_range), first_frame=info.frame_range.first, colour_space=space,
                    timecode=info.timecode, rotation=info.rotation, missing_frames=list(info.missing_frames))


def _check_fps(clip: ClipInfo, fps: str | None) -> ClipInfo:
    if fps is None:
        return clip
    wanted = Fraction(fps).limit_denominator(1001)
    if clip.fps is not None and Fraction(clip.fps) != wanted:
        raise MediaError(f"fps mismatch: {clip.path} runs at {clip.fps} fps but --fps {fps} was given; "
                         "drop --fps or conform the plate")
    return clip.model_copy(update={"fps": str(wanted)}) if clip.fps is None else clip


def _ensure_writable(root: Path) -> None:
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / ".faceplate-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise WorkspaceError(f"cannot write to workspace {root}: {exc.strerror}; choose a folder you can write to") from exc


def init_workspace(root: str | Path, plate: str | Path, frame_range: str | FrameRange | None = None,
                   sources: list[str | Path] = (), first_frame: int = 1001, colour_space: str | None = None,
                   fps: str | None = None, settings: dict[str, Any] | None = None, force: bool = False) -> Workspace:
    root = Path(root)
    if (root / MANIFEST_NAME).exists() and not force:
        raise WorkspaceError(f"{root} is already a Faceplate workspace; pass --force to re-initialise it "
                             "(existing facesets are kept but will be re-extracted)")
    plate_clip = _check_fps(probe_clip(plate, first_frame, colour_space), fps)
    media_range = FrameRange.parse(plate_clip.frame_range)
    shot_range = FrameRange.parse(str(frame_range)) if frame_range else media_range
    shot_range.require_within(media_range, f"plate {plate_clip.path}")
    source_clips = [probe_clip(s, first_frame) for s in sources]
    _ensure_writable(root)
    manifest = Manifest(shot=root.name, plate=plate_clip, range=str(shot_range), sources=source_clips,
                        working_space=WORKING_SPACE, settings=settings or {})
    workspace = Workspace(root, manifest)
    inputs = {"plate": plate_clip.path, "sources": [c.path for c in source_clips]}
    parameters = {"range": str(shot_range), "first_frame": first_frame, "colour_space": plate_clip.colour_space,
                  "fps": plate_clip.fps}
    with workspace.stage_run("init", inputs, parameters) as run:
        run.outputs = {"manifest": MANIFEST_NAME}
    return workspace


def open_workspace(root: str | Path) -> Workspace:
    root = Path(root)
    path = root / MANIFEST_NAME
    if not path.is_file():
        raise WorkspaceError(f"{root} is not a Faceplate workspace (no {MANIFEST_NAME}); create it with `faceplate init`")
    try:
        manifest = Manifest.model_validate_json(path.read_text(encoding="utf-8"))
    except (ValidationError, ValueError) as exc:
        raise WorkspaceError(f"{path} is damaged or from another version ({exc.__class__.__name__}); "
                             "restore it or re-run `faceplate init --force`") from exc
    if not os.access(root, os.W_OK):
        raise WorkspaceError(f"workspace {root} is read-only; stages write into it, so make it writable")
    return Workspace(root, manifest)
