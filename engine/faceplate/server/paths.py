"""Paths from requests are checked before anything is opened: each must resolve under a configured root.

Refused: any ``..`` component, an absolute path outside the roots, a symlink (the path itself, a
folder on the way, or a frame file of a sequence) that leads out of the roots. A sequence
pattern (``plate.####.exr``, ``plate.%04d.exr``) is checked through its folder and the files the
pattern can name.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePath

from faceplate.server.errors import PathRefused

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
