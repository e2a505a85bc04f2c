"""``--map FROM=TO``: the media of a cut or shot made on another machine, as this machine sees it.

A cut exported on a Mac names ``/Volumes/shows/...``, one from Windows ``C:\\shows\\...``; each map
replaces the leading folder FROM with TO (the first that matches) in the OTIO media, the sources,
the identity library and the media the shot workspaces record, before anything is checked or
written. A Windows FROM matches either slash and any letter case; the rest of the path takes ``/``.
What the nodes see is the scheduler's path mapping of the job's PATH parameters (docs/farm.md).
"""

from __future__ import annotations

import re
from pathlib import Path

from faceplate.errors import FarmError

PathMap = tuple[tuple[str, str], ...]
_WINDOWS = re.compile(r"^(?:[A-Za-z]:|\\\\|//)")


def parse_maps(pairs: list[str]) -> PathMap:
    """``["/Volumes/shows=/mnt/shows"]`` -> ``(("/Volumes/shows", "/mnt/shows"),)``; one line for a bad pair."""
    maps = []
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise FarmError(
                f"--map {pair!r}: give FROM=TO, the folder as the cut names it and where it is here "
                "(e.g. --map /Volumes/shows=/mnt/shows)"
            )
        maps.append((old.rstrip("/\\"), str(Path(new).absolute())))
    return tuple(maps)


def map_path(path: str, maps: PathMap) -> str:
    """``path`` with the first matching FROM replaced by its TO (unchanged when none matches)."""
    for old, new in maps:
        rest = _after(path, old)
        if rest is not None:
            return new + rest
    return path


def _after(path: str, folder: str) -> str | None:
    """What follows ``folder`` in ``path`` (``/`` separated), or None when ``path`` is not under it."""
    if _WINDOWS.match(folder):
        path, folder = path.replace("\\", "/"), folder.replace("\\", "/")
        head = path[: len(folder)].lower() == folder.lower()
    else:
        head = path.startswith(folder)
    rest = path[len(folder) :]
    return rest if head and (not rest or rest.startswith("/")) else None
