"""Versions of a shot's comp layer: ``render/v001``, ``render/v002``, ... and ``render/latest.json``.

A render that changes frames writes into the next version; what an editor placed is never rewritten.
A version folder holds the files of :class:`~faceplate.render.outputs.RenderPaths` and ``version.json``
(schema ``LayerVersion.1``): opened unpublished, published once every frame of the shot is in it (the
review movie made first). ``latest.json`` (schema ``LayerLatest.1``) names the newest published version.

Render chunks on farm nodes agree on their version without passing an id: a render joins the newest
version while it is unpublished and every frame already in it was made the way this render would make
it (same per-frame record); otherwise it opens the next one. Opening and publishing happen under the
shot's short files lock. Nothing under a published version is written again.

Imports no numpy or OpenCV: the server reads versions for every artifacts request.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from faceplate.atomic import atomic_path, read_json, write_text_atomic
from faceplate.workspace.manifest import now_iso

if TYPE_CHECKING:
    from faceplate.render.outputs import RenderPaths

VERSION_SCHEMA = "LayerVersion.1"
LATEST_SCHEMA = "LayerLatest.1"
VERSION_FILE = "version.json"
LATEST_FILE = "latest.json"


@dataclass(frozen=True)
class Numbering:
    """Folder names made of a prefix and a zero-padded number (``v001``, ``it00000500``): each scheme's names
    written, recognised and listed in order in one place."""

    prefix: str
    digits: int

    def name(self, number: int) -> str:
        return f"{self.prefix}{number:0{self.digits}d}"

    def number(self, name: str) -> int | None:
        """The number ``name`` carries, or None when it is not a name of this scheme."""
        found = re.fullmatch(rf"{re.escape(self.prefix)}(\d{{{self.digits},}})", name)
        return int(found[1]) if found else None

    def folders(self, folder: Path) -> list[str]:
        """The names of this scheme's folders in ``folder``, lowest number first."""
        if not folder.is_dir():
            return []
        found = {p.name: n for p in folder.iterdir() if p.is_dir() and (n := self.number(p.name)) is not None}
        return sorted(found, key=found.get)


VERSIONS = Numbering("v", 3)


def list_versions(render_dir: Path) -> list[str]:
    """Every version folder, oldest first (published or not)."""
    return VERSIONS.folders(render_dir)


def read_version(render_dir: Path, name: str) -> dict | None:
    return read_json(render_dir / name / VERSION_FILE)


def published_versions(render_dir: Path) -> list[str]:
    """Published versions, newest first."""
    return [v for v in reversed(list_versions(render_dir)) if (read_version(render_dir, v) or {}).get("published")]


def latest_version(render_dir: Path) -> str | None:
    """The version ``latest.json`` names (the newest published one)."""
    latest = read_json(render_dir / LATEST_FILE) or {}
    name = latest.get("version")
    return (
        name if isinstance(name, str) and VERSIONS.number(name) is not None and (render_dir / name).is_dir() else None
    )


def version_paths(render_dir: Path, version: str, made_with: dict) -> RenderPaths:
    """The files of ``version``, named as recorded in its version.json (``made_with`` when it has none)."""
    from faceplate.render.outputs import RenderPaths

    info = read_version(render_dir, version) or made_with
    return RenderPaths(render_dir / version, info.get("name", "faceplate"), info.get("layer_format", "exr"))


def open_version(render_dir: Path, base: str | None, name: str, layer_format: str) -> str:
    """Make the next version folder, unpublished (call under the shot's files lock)."""
    existing = list_versions(render_dir)
    version = VERSIONS.name(VERSIONS.number(existing[-1]) + 1 if existing else 1)
    (render_dir / version).mkdir(parents=True)
    info = {
        "schema": VERSION_SCHEMA,
        "version": version,
        "base": base,
        "name": name,
        "layer_format": layer_format,
        "opened": now_iso(),
        "published": None,
    }
    write_text_atomic(render_dir / version / VERSION_FILE, json.dumps(info, indent=1) + "\n")
    return version


def publish_version(render_dir: Path, version: str, details: dict) -> dict:
    """Seal ``version`` (its version.json with ``details``) and point ``latest.json`` at it."""
    info = {**(read_version(render_dir, version) or {}), **details, "published": now_iso()}
    write_text_atomic(render_dir / version / VERSION_FILE, json.dumps(info, indent=1) + "\n")
    write_text_atomic(
        render_dir / LATEST_FILE,
        json.dumps({"schema": LATEST_SCHEMA, "version": version, "layer": details.get("layer")}, indent=1) + "\n",
    )
    return info


def carry_frame(source: RenderPaths, target: RenderPaths, frame: int) -> None:
    """Put ``frame``'s files from an earlier version into ``target``: a hard link where the file system
    allows, else a copy; each lands atomically, the record last (so it always describes files beside it)."""
    target.record(frame).unlink(missing_ok=True)
    for name in ("layer", "matte", "preview", "record"):
        src, dst = getattr(source, name)(frame), getattr(target, name)(frame)
        if src.is_file():
            _link_or_copy(src, dst)


def _link_or_copy(src: Path, dst: Path) -> None:
    with atomic_path(dst) as tmp:
        tmp.unlink()
        try:
            os.link(src, tmp)
        except OSError:  # another file system, or links not allowed: a copy
            shutil.copy2(src, tmp)
