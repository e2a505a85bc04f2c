"""`faceplate relink`: point a shot at its plate or sources after they moved.

Only the same footage is accepted (same fingerprint: bytes, frame count, resolution), so a
relink can never swap the media a shot's facesets, model and renders were made from.
"""

from __future__ import annotations

import os

from faceplate.errors import WorkspaceError
from faceplate.workspace.clips import fingerprint_differences, media_fingerprint
from faceplate.workspace.manifest import ClipInfo, Manifest
from faceplate.workspace.workspace import Workspace


def relink(workspace: Workspace, plate: str | None = None, sources: dict[str, str] | None = None) -> list[str]:
    """Re-point the plate and/or sources (``{old path: new path}``); returns one line per change.
    Everything is checked before the manifest is touched."""
    sources = sources or {}
    if not plate and not sources:
        raise WorkspaceError("nothing to relink: give --plate NEW and/or --source OLD=NEW")
    with workspace.locked("relink", check_media=False):  # the media may be missing: that is why we are here
        m = workspace.manifest
        moves = [("plate", m.plate, _absolute(plate))] if plate else []
        moves += [(f"source{i}", m.sources[i], _absolute(new)) for i, new in _source_moves(m, sources)]
        for _, clip, new in moves:
            check_same_footage(clip, new)
        paths = {key: new for key, _, new in moves}
        lines = [f"{key}: {clip.path} -> {new}" for key, clip, new in moves]
        with workspace.stage_run("relink", {"media": paths}, {"from": {k: c.path for k, c, _ in moves}}) as run:
            workspace.update(lambda manifest: _repoint(manifest, paths))
            run.outputs = paths
    return lines


def _absolute(path: str) -> str:
    return os.path.abspath(path)  # not resolved: a symlink stays the link the artist chose


def _source_moves(manifest: Manifest, sources: dict[str, str]) -> list[tuple[int, str]]:
    known = [c.path for c in manifest.sources]
    moves = []
    for old, new in sources.items():
        matches = [i for i, path in enumerate(known) if path in (old, _absolute(old))] or _source_key(old, known)
        if not matches:
            raise WorkspaceError(
                f"--source {old}={new}: the shot has no source {old}; its sources are: " + (", ".join(known) or "none")
            )
        moves.append((matches[0], new))
    return moves


def _source_key(old: str, known: list[str]) -> list[int]:
    """``source0``, ``source1``...: a source named by its place, as relink prints it (a farm job's media step:
    no path of the exporting machine on a node's command line)."""
    index = old[len("source") :]
    return [int(index)] if old.startswith("source") and index.isdigit() and int(index) < len(known) else []


def check_same_footage(clip: ClipInfo, new: str) -> None:
    """WorkspaceError with one line saying what differs unless ``new`` is the footage ``clip`` recorded."""
    now = media_fingerprint(new)
    if clip.size_bytes is None:
        raise WorkspaceError(
            f"{clip.path} was recorded without a fingerprint, so {new} cannot be checked to be the "
            "same footage; re-initialise the shot with `faceplate init --force`"
        )
    differs = [f"{k} {was} there, {is_now} here" for k, was, is_now in fingerprint_differences(clip, now)]
    if differs:
        raise WorkspaceError(
            f"{new} is not the footage the shot was made from ({clip.path}): {'; '.join(differs)}; "
            "relink only follows moved media; for new footage run `faceplate init --force`"
        )


def _repoint(manifest: Manifest, paths: dict[str, str]) -> None:
    if "plate" in paths:
        manifest.plate.path = paths["plate"]
    for i, clip in enumerate(manifest.sources):
        clip.path = paths.get(f"source{i}", clip.path)
