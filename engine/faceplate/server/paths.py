"""Paths from requests are checked before anything is opened: each must resolve under a configured root.

Refused: any ``..`` component, an absolute path outside the roots, a symlink (the path itself, a
folder on the way, or a frame file of a sequence) that leads out of the roots. A sequence
pattern (``plate.####.exr``, ``plate.%04d.exr``) is checked through its folder and the files the
pattern can name.

Checked twice: when a job is submitted (the request's answer), and by the worker once it holds the
shot's lock (:func:`check_locked_shot`), where every path is resolved again to the real path it leads
to now and the stage is handed that, so a link swapped while the job waited leads nowhere outside.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePath

from faceplate.server.errors import PathRefused
from faceplate.settings import map_paths

_FRAME_TOKEN = re.compile(r"#+|@+|%0?\d*d")


@dataclass(frozen=True)
class Roots:
    folders: tuple[Path, ...]

    @classmethod
    def of(cls, folders) -> "Roots":
        return cls(tuple(Path(os.path.realpath(f)) for f in folders))

    def resolve(self, given: str, what: str) -> Path:
        """The absolute path ``given`` names (relative paths are under the first root), refused unless it and
        everything it resolves to lie under a root. The returned path keeps symlinks the artist chose."""
        if not self.folders:
            raise PathRefused(f"{what} {given!r} refused: the engine was started without --roots, so it opens no files")
        if not given or "\0" in given:
            raise PathRefused(f"{what} is empty or holds a NUL character")
        if ".." in PurePath(given).parts or ".." in re.split(r"[\\/]", given):
            raise PathRefused(f"{what} {given!r} contains '..'; give the path without parent steps")
        path = Path(given) if os.path.isabs(given) else self.folders[0] / given
        path = Path(os.path.abspath(path))
        self._require_inside(path, what, given)
        if _FRAME_TOKEN.search(path.name):
            self._check_sequence(path, what, given)
        return path

    def resolve_real(self, given: str, what: str) -> Path:
        """:meth:`resolve`, then the real path it leads to now (every symlink followed)."""
        return Path(os.path.realpath(self.resolve(given, what)))

    def _require_inside(self, path: Path, what: str, given: str) -> None:
        real = Path(os.path.realpath(path))
        if not any(real.is_relative_to(root) for root in self.folders):
            roots = ", ".join(str(r) for r in self.folders)
            via = "" if real == path else f" (it resolves to {real})"
            raise PathRefused(f"{what} {given!r} is outside the engine's roots{via}; roots: {roots}")

    def _check_sequence(self, pattern: Path, what: str, given: str) -> None:
        """Every file the pattern can name must resolve inside the roots too (a frame may be a symlink)."""
        prefix = _FRAME_TOKEN.split(pattern.name)[0]
        folder = pattern.parent
        if not folder.is_dir():
            return
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(prefix) and entry.is_symlink():
                    self._require_inside(Path(entry.path), what, given)


def check_setting_paths(roots: Roots, stage: str, settings, real: bool = False):
    """``settings`` with every file or folder they name checked under the roots (PathRefused names the API
    field, ``settings.curate.decisions``); ``real``: each replaced by the real path it leads to now."""

    def check(field: str, value: str) -> str:
        path = roots.resolve(value, f"settings.{stage}.{field}")
        return os.path.realpath(path) if real else value

    return map_paths(settings, check)


def check_shot_media(roots: Roots, manifest) -> None:
    """The plate and sources a workspace's manifest names (a stage reads them) lie under the roots too."""
    roots.resolve(manifest.plate.path, "the shot's plate")
    for n, clip in enumerate(manifest.sources, 1):
        roots.resolve(clip.path, f"the shot's source {n}")


def check_locked_shot(roots: Roots, given: str, workspace, stage: str, settings):
    """Under the shot's lock, before the stage runs: the job's workspace path still leads to the folder that
    was locked (a real folder under the roots), the media it names lie under the roots, and the settings'
    paths are handed on as real paths checked now."""
    now = roots.resolve_real(given, "workspace")
    if now != workspace.root or os.path.realpath(workspace.root) != str(workspace.root):
        raise PathRefused(
            f"workspace {given!r} changed while the job waited (it leads to {now} now); check the "
            "folder and submit the job again"
        )
    check_shot_media(roots, workspace.manifest)
    return check_setting_paths(roots, stage, settings, real=True)
