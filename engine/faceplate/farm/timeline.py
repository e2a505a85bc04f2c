"""The marked clips of an OTIO cut as shot workspaces for one farm job.

Clips are read by the host side's reader (``faceplate_host.timeline``: markers, ranges, rates, the
editor's frame numbers); each becomes a workspace under ``shots_dir`` named as the engine server
names it (``faceplate_host.jobs.workspace_for``), made from the same shot description
(``Shot.engine_shot``). Every clip is checked first (a clip the reader refuses, media that cannot
be opened, frames outside the media) and only then are the missing workspaces made, so a bad clip
leaves nothing behind. A workspace that already exists is used as it is.
"""

from __future__ import annotations

from pathlib import Path

from faceplate.errors import FaceplateError, FarmError
from faceplate.media import FrameRange
from faceplate.media.pathmap import PathMap, map_path
from faceplate.workspace import init_workspace, probe_clip
from faceplate.workspace.workspace import MANIFEST_NAME


def workspaces_from_timeline(
    timeline: str | Path,
    marker: str | None,
    sources: list[str | Path],
    shots_dir: Path,
    consent_ref: str | None = None,
    maps: PathMap = (),
) -> list[Path]:
    """The workspace of every clip marked ``marker`` (every video clip without one), made where missing; each
    clip's media as ``maps`` (``--map FROM=TO``) puts it on this machine."""
    from faceplate_host.jobs import workspace_for
    from faceplate_host.shots import ShotError
    from faceplate_host.timeline import ClipSelection, read_timeline, shots_from_timeline

    try:
        shots = shots_from_timeline(read_timeline(timeline), ClipSelection(marker=marker), str(timeline))
    except ShotError as exc:  # the reader's one line names the file and the clip
        raise FarmError(str(exc)) from None
    if not sources:
        raise FarmError("give the identity to put in with --source (the actor's clip, sequence or stills folder)")
    planned = [(shot, workspace_for(shot, shots_dir)) for shot in shots]
    bodies = {
        root: shot.engine_shot([str(Path(s).absolute()) for s in sources], consent_ref)
        for shot, root in planned
        if not (root / MANIFEST_NAME).is_file()
    }
    for body in bodies.values():
        body["plate"] = map_path(body["plate"], maps)
    for shot, root in planned:
        if root in bodies:
            _check_media(shot.name, bodies[root])
    for root, body in bodies.items():
        init_workspace(
            root,
            body["plate"],
            body["range"],
            body["sources"],
            body["first_frame"] or 1001,
            body["colour_space"],
            body["fps"],
            consent_ref=body["consent_ref"],
        )
    return [root for _, root in planned]


def _check_media(clip: str, body: dict) -> None:
    """The clip's media opens and holds its frames (what `faceplate init` would refuse, before any is made)."""
    try:
        info = probe_clip(body["plate"], body["first_frame"] or 1001, body["colour_space"])
    except FaceplateError as exc:
        raise FarmError(f"clip {clip!r}: {exc}") from None
    media, wanted = FrameRange.parse(info.frame_range), FrameRange.parse(body["range"])
    if wanted.first < media.first or wanted.last > media.last:
        raise FarmError(
            f"clip {clip!r}: frames {wanted} are outside its media {body['plate']}, which holds frames "
            f"{media}; fix the clip's range or relink it to the full media in the editor"
        )
