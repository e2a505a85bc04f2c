"""What a job made, read from its workspace's manifest: the comp layer, the ONNX model, previews, the loss plot,
the QC results (path, shot summary, flagged ranges) and the review report.

Paths come back absolute, each with whether the file is there now; every path read from the
manifest must stay inside the shot (``path_inside``), so a damaged manifest cannot point a client
elsewhere.
"""

from __future__ import annotations

import json
from pathlib import Path

from faceplate.errors import WorkspaceError
from faceplate.server.errors import JobNotFound
from faceplate.workspace.workspace import MANIFEST_NAME, path_inside, read_manifest

PREVIEWS_SHOWN = 20
LOSS_PLOT = "model/loss.png"  # written by training (faceplate.training.loop)


def job_artifacts(job: dict) -> dict:
    root = Path(job["workspace"])
    if not (root / MANIFEST_NAME).is_file():
        return {"workspace": str(root), "frame_range": None, "layer": None, "onnx": None, "previews": [], "files": {},
                "qc": None, "report": None}
    manifest = read_manifest(root)
    done = {r.stage: r for r in manifest.stages if r.status == "done"}  # the last done run of each stage wins
    files = {f"{stage}.{key}": _entry(root, value) for stage, run in done.items()
             for key, value in run.outputs.items() if isinstance(value, str)}
    render = done.get("render")
    layer = None
    if render is not None and render.outputs.get("layer"):
        pattern = _inside(root, render.outputs["layer"])
        layer = {"pattern": str(pattern), "frame_range": manifest.range, "matte": files.get("render.matte"),
                 "frames_present": _count_frames(pattern, manifest.range)}
    onnx = files.get("export.onnx")
    previews = sorted((root / "model" / "previews").glob("*.png"))[-PREVIEWS_SHOWN:]
    report = files.get("report.html")
    return {"workspace": str(root), "frame_range": manifest.range, "layer": layer, "onnx": onnx, "files": files,
            "previews": [str(p) for p in previews], "qc": _qc(files.get("qc.qc")),
            "report": {"path": report["path"]} if report and report["exists"] else None}


def _qc(entry: dict | None) -> dict | None:
    """``{path, summary, flags}`` of the shot's qc.json (flags: ``[{first, last, reason}]``, plate numbering)."""
    if not entry or not entry["exists"]:
        return None
    try:
        qc = json.loads(Path(entry["path"]).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"path": entry["path"], "summary": None, "flags": []}
    return {"path": entry["path"], "summary": qc.get("summary"), "flags": qc.get("flags", [])}


def preview_file(job: dict, stage: str | None = None) -> Path:
    """The latest preview image a stage of the job reported (default: the latest of any stage)."""
    stages = [s for s in job["stages"] if s.get("preview") and (stage is None or s["name"] == stage)]
    if not stages:
        raise JobNotFound(f"job {job['id']} has no preview yet")
    latest = max(stages, key=lambda s: s["finished"] or s["started"] or 0)
    path = _inside(Path(job["workspace"]), latest["preview"]["path"])
    if not path.is_file():
        raise JobNotFound(f"the preview {path} is gone")
    return path


def loss_plot_file(job: dict) -> Path:
    """The training loss plot of the job's shot (``model/loss.png``, redrawn as training logs its losses)."""
    path = _inside(Path(job["workspace"]), LOSS_PLOT)
    if not path.is_file():
        raise JobNotFound(f"job {job['id']} has no loss plot yet (training draws it at its first log step)")
    return path


def _inside(root: Path, relative: str) -> Path:
    path = Path(relative)
    if path.is_absolute():
        relative = str(path.relative_to(root)) if path.is_relative_to(root) else relative
    try:
        return path_inside(root, relative, root)
    except WorkspaceError:
        raise WorkspaceError(f"the manifest of {root} names {relative}, outside the shot; re-run the stage") from None


def _entry(root: Path, value: str) -> dict:
    try:
        path = _inside(root, value)
    except WorkspaceError:
        return {"path": None, "exists": False}
    return {"path": str(path), "exists": path.exists() if "#" not in path.name else path.parent.is_dir()}


def _count_frames(pattern: Path, frame_range: str) -> int:
    from faceplate.media import FrameRange

    hashes = pattern.name.count("#")
    return sum(1 for f in FrameRange.parse(frame_range)
               if (pattern.parent / pattern.name.replace("#" * hashes, f"{f:0{hashes}d}")).is_file())
