"""``--map FROM=TO``: the media of a cut or shot made on another machine, as this machine sees it.

A cut exported on a Mac names ``/Volumes/shows/...``, one from Windows ``C:\\shows\\...``; each map is an
OpenJD path mapping rule (``faceplate.media.pathmap``: FROM, a Windows path when it starts with a drive
or ``\\\\``, is TO here), applied to the OTIO media, the sources, the identity library and the media the
shot workspaces record, before anything is checked or written. What the nodes see is the scheduler's
path mapping of the job's PATH parameters, and of the media the workspaces record (docs/farm.md).
"""

from __future__ import annotations

from pathlib import Path

from faceplate.errors import FarmError
from faceplate.media.pathmap import PathMap, ordered, rule_for


def parse_maps(pairs: list[str]) -> PathMap:
    """``["/Volumes/shows=/mnt/shows"]`` -> the rule mapping ``/Volumes/shows`` to ``/mnt/shows``; one line for a bad pair."""
    rules = []
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise FarmError(
                f"--map {pair!r}: give FROM=TO, the folder as the cut names it and where it is here "
                "(e.g. --map /Volumes/shows=/mnt/shows)"
            )
        rules.append(rule_for(old.rstrip("/\\") or old, str(Path(new).absolute())))
    return ordered(rules)
