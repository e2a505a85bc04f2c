"""Layer previews: while a long job trains, the latest checkpoint's render of the shot, outside the versions.

    render/preview/it00000500/  layer/, matte/, records/ (a version's files, ``RenderPaths``), generator.onnx,
                                preview.json (schema ``LayerPreview.1``: iteration, layer, matte, frame_range, made)

A preview is built in ``render/preview/.it00000500.partial/`` and renamed into place once every frame is in it
(a rename is atomic: a reader sees a whole preview or none); the older previews are then renamed aside and
removed. Nothing under ``render/vNNN`` is touched: the final render publishes its version as ever and a host
replaces the preview with it. Imports no numpy: the server reads it for every artifacts request.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from faceplate.atomic import read_json, write_text_atomic
from faceplate.render.versions import Numbering
from faceplate.workspace.manifest import now_iso

PREVIEW_DIR = "preview"
SCHEMA = "LayerPreview.1"
INFO_FILE = "preview.json"
PREVIEWS = Numbering("it", 8)  # it00000500: the iteration previewed


def start_preview(render_dir: Path, iteration: int) -> Path:
    """An empty folder to build the preview of ``iteration`` in (leftovers of an interrupted one cleared)."""
    folder = render_dir / PREVIEW_DIR
    for left in folder.glob(".*.partial") if folder.is_dir() else ():
        shutil.rmtree(left, ignore_errors=True)
    building = folder / f".{PREVIEWS.name(iteration)}.partial"
    building.mkdir(parents=True)
    return building


def publish_preview(render_dir: Path, building: Path, iteration: int, details: dict) -> Path:
    """Seal the built preview (``details``: layer and matte patterns relative to its folder, frame range) and
    rename it into place; then the older previews go."""
    info = {"schema": SCHEMA, "iteration": iteration, **details, "made": now_iso()}
    write_text_atomic(building / INFO_FILE, json.dumps(info, indent=1) + "\n")
    final = render_dir / PREVIEW_DIR / PREVIEWS.name(iteration)
    _remove(final)
    building.rename(final)
    for name in list_previews(render_dir):
        if name != final.name:
            _remove(final.parent / name)
    return final


def list_previews(render_dir: Path) -> list[str]:
    """The complete previews' folder names, oldest first."""
    return PREVIEWS.folders(render_dir / PREVIEW_DIR)


def read_preview(render_dir: Path) -> dict | None:
    """The newest complete preview: ``{iteration, pattern, matte, frame_range, made}``, paths absolute; None when
    there is none."""
    for name in reversed(list_previews(render_dir)):
        folder = render_dir / PREVIEW_DIR / name
        info = read_json(folder / INFO_FILE)
        if info and info.get("schema") == SCHEMA:
            return {
                "iteration": info["iteration"],
                "pattern": str(folder / info["layer"]),
                "matte": str(folder / info["matte"]),
                "frame_range": info["frame_range"],
                "made": info["made"],
            }
    return None


def _remove(folder: Path) -> None:
    """Renamed aside first (atomic), so a reader never meets a half-removed preview."""
    if folder.is_dir():
        aside = folder.with_name(f".{folder.name}.removing")
        shutil.rmtree(aside, ignore_errors=True)
        folder.rename(aside)
        shutil.rmtree(aside, ignore_errors=True)
