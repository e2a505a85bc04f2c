"""What a job made, read from its workspace: the latest published version of the comp layer (and the earlier
ones), the ONNX model, previews, the loss plot, the QC results (path, shot summary, flagged ranges, verdict),
the review report of that version, curate's source coverage (what the source cannot act, by plate frame), and
the newest layer preview made while training (``render/preview/``).

Paths come back absolute, each with whether the file is there now; every path read from the
manifest must stay inside the shot (``path_inside``), so a damaged manifest cannot point a client
elsewhere.
"""

from __future__ import annotations

import json
from pathlib import Path

from faceplate.curate.source_coverage import read_source_coverage
from faceplate.errors import WorkspaceError
from faceplate.qc.outcome import shot_verdict
from faceplate.render.preview_layer import read_preview
from faceplate.render.versions import latest_version, published_versions, version_paths
from faceplate.server.errors import JobNotFound
from faceplate.workspace.workspace import MANIFEST_NAME, path_inside, read_manifest

PREVIEWS_SHOWN = 20
LOSS_PLOT = "model/loss.png"  # written by training (faceplate.training.loop)


def job_artifacts(job: dict) -> dict:
    root = Path(job["workspace"])
    if not (root / MANIFEST_NAME).is_file():
        return {
            "workspace": str(root),
            "frame_range": None,
            "layer": None,
            "versions": [],
            "onnx": None,
            "previews": [],
            "files": {},
            "qc": None,
            "verdict": None,
            "report": None,
            "coverage": None,
            "preview_layer": None,
        }
    manifest = read_manifest(root)
    done = {r.stage: r for r in manifest.stages if r.status == "done"}  # the last done run of each stage wins
    files = {
        f"{stage}.{key}": _entry(root, value)
        for stage, run in done.items()
        for key, value in run.outputs.items()
        if isinstance(value, str)
    }
    layer, versions = _layer(root, manifest.range)
    onnx = files.get("export.onnx")
    previews = sorted((root / "model" / "previews").glob("*.png"))[-PREVIEWS_SHOWN:]
    report = files.get("report.html")
    current = layer["version"] if layer else None
    qc = _qc(files.get("qc.qc")) if done.get("qc") and done["qc"].outputs.get("version") == current else None
    shown = report if report and report["exists"] and done["report"].outputs.get("version") == current else None
    return {
        "workspace": str(root),
        "frame_range": manifest.range,
        "layer": layer,
        "versions": versions,
        "onnx": onnx,
        "files": files,
        "previews": [str(p) for p in previews],
        "qc": qc,
        "verdict": shot_verdict(root),
        "report": {"path": shown["path"]} if shown else None,
        # what curate found the source cannot act (plate frames by pose and expression; who was kept)
        "coverage": read_source_coverage(root) if done.get("curate") else None,
        # the newest checkpoint render made while training (render/preview/), for a host to place until the final
        "preview_layer": _preview_layer(root),
    }


def _layer(root: Path, frame_range: str) -> tuple[dict | None, list[dict]]:
    """The latest published version of the layer (None before one is), and every published version, oldest first."""
    render_dir = root / "render"
    versions = []
    for name in reversed(published_versions(render_dir)):
        paths = version_paths(render_dir, name, {})
        versions.append(
            {
                "version": name,
                "pattern": str(_inside(root, paths.layer_pattern)),
                "matte": str(_inside(root, str(paths.matte(0)).replace(".0000.", ".####."))),
                "movie": str(paths.movie) if paths.movie.is_file() else None,
            }
        )
    latest = latest_version(render_dir)
    chosen = next((v for v in versions if v["version"] == latest), None)
    if chosen is None:
        return None, versions
    pattern = Path(chosen["pattern"])
    return {
        **chosen,
        "frame_range": frame_range,
        "matte": {"path": chosen["matte"], "exists": True},
        "frames_present": _count_frames(pattern, frame_range),
    }, versions


def _preview_layer(root: Path) -> dict | None:
    """``{pattern, matte, frame_range, iteration, made}`` of the newest layer preview, its paths inside the shot."""
    preview = read_preview(root / "render")
    if preview is None:
        return None
    return {**preview, "pattern": str(_inside(root, preview["pattern"])), "matte": str(_inside(root, preview["matte"]))}


def _qc(entry: dict | None) -> dict | None:
    """``{path, summary, flags}`` of the shot's qc.json (flags: ``[{first, last, reason}]``, plate numbering)."""
    if not entry or not entry["exists"]:
        return None
    try:
        qc = json.loads(Path(entry["path"]).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"path": entry["path"], "summary": None, "flags": []}
    return {"path": entry["path"], "summary": qc.get("summary"), "flags": qc.get("flags", [])}


def report_file(job: dict, name: str) -> Path:
    """A file of the review report of the job's latest layer version (``index.html`` and the images beside it)."""
    report = job_artifacts(job)["report"]
    if report is None:
        raise JobNotFound(f"job {job['id']} has no report of its latest layer version yet (the report stage makes it)")
    folder = Path(report["path"]).parent
    path = path_inside(folder, name, folder)
    if not path.is_file():
        raise JobNotFound(f"the report of job {job['id']} has no file {name!r}")
    return path


def movie_file(job: dict) -> Path:
    """The review movie of the job's latest layer version."""
    layer = job_artifacts(job)["layer"]
    if layer is None or not layer["movie"]:
        raise JobNotFound(f"job {job['id']} has no review movie yet (a published layer version with previews has one)")
    return Path(layer["movie"])


def layer_file(job: dict, frame: int | None = None) -> Path:
    """A frame of the job's latest layer version (default: the shot's first frame)."""
    from faceplate.media import FrameRange

    layer = job_artifacts(job)["layer"]
    if layer is None:
        raise JobNotFound(f"job {job['id']} has no published layer yet")
    frames = FrameRange.parse(layer["frame_range"])
    frame = frames.first if frame is None else frame
    pattern = Path(layer["pattern"])
    hashes = pattern.name.count("#")
    path = pattern.parent / pattern.name.replace("#" * hashes, f"{frame:0{hashes}d}")
    if frame not in frames or not path.is_file():
        raise JobNotFound(f"layer {layer['version']} of job {job['id']} has no frame {frame} (frames {frames})")
    return path


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
    return sum(
        1
        for f in FrameRange.parse(frame_range)
        if (pattern.parent / pattern.name.replace("#" * hashes, f"{f:0{hashes}d}")).is_file()
    )
