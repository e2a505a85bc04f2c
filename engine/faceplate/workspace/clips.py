"""The media a shot records: a clip probed once (kind, range, colour space, fps, timecode) with its fingerprint
(bytes, frame count, resolution), the check that it is still the media the shot was made from, and the frame
rate an artist gives."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

from faceplate.errors import MediaError, WorkspaceError
from faceplate.media import ColourTransform, open_plate
from faceplate.media.colour import default_plate_space
from faceplate.workspace.manifest import ClipInfo

FINGERPRINT = ("size_bytes", "frame_count", "width", "height")


def fingerprint_differences(clip: ClipInfo, now: dict[str, int]) -> list[tuple[str, int, int]]:
    """(field, recorded, now) for each part of the fingerprint that differs (unrecorded parts skipped)."""
    recorded = {k: getattr(clip, k) for k in FINGERPRINT}
    return [(k, recorded[k], now[k]) for k in FINGERPRINT if recorded[k] is not None and recorded[k] != now[k]]


def check_same_media(clip: ClipInfo) -> None:
    """WorkspaceError naming what changed (missing, size, frames, resolution) since init."""
    if clip.size_bytes is None:
        return  # made by an engine that took no fingerprint
    try:
        now = media_fingerprint(clip.path)
    except MediaError as exc:
        raise WorkspaceError(
            f"{clip.path} can no longer be read ({exc}); if it moved, point the shot at it with "
            "`faceplate relink SHOT --plate NEW` (or --source OLD=NEW)"
        ) from exc
    changed = [f"{k} {was} -> {is_now}" for k, was, is_now in fingerprint_differences(clip, now)]
    if changed:
        raise WorkspaceError(
            f"{clip.path} is not the media this shot was made from ({'; '.join(changed)}); "
            "restore it, or re-initialise the shot with `faceplate init --force`"
        )


def _fingerprint(info, path: str) -> dict[str, int]:
    files = list(info.frame_files.values()) if info.frame_files else [path]
    return {
        "size_bytes": sum(os.path.getsize(f) for f in files if os.path.isfile(f)),
        "frame_count": len(info.frame_range) - len(info.missing_frames),
        "width": info.width,
        "height": info.height,
    }


def media_fingerprint(path: str) -> dict[str, int]:
    """Total bytes (every file of a sequence or stills folder), frame count and resolution of a clip."""
    with open_plate(path) as plate:
        return _fingerprint(plate.info, path)


def probe_clip(path: str | Path, first_frame: int, colour_space: str | None = None) -> ClipInfo:
    """Open media once to record what it is (with its fingerprint); MediaError naming the file on failure.
    The path is stored absolute but not resolved: a symlink stays the link the artist chose."""
    path = os.path.abspath(path)  # a sequence pattern (name.####.exr) too: a relative one breaks from another folder
    with open_plate(path, first_frame=first_frame) as plate:
        info = plate.info
    space = colour_space or default_plate_space(info)
    ColourTransform(space)  # fail now, naming the space, rather than mid-extraction
    return ClipInfo(
        path=path,
        kind=info.kind,
        fps=str(info.fps) if info.fps else None,
        frame_range=str(info.frame_range),
        first_frame=info.frame_range.first,
        colour_space=space,
        timecode=info.timecode,
        rotation=info.rotation,
        missing_frames=list(info.missing_frames),
        **_fingerprint(info, path),
    )


def parse_fps(fps: str) -> Fraction:
    """'24', '23.976', '24000/1001' -> Fraction; MediaError for anything that is not a positive rate."""
    try:
        value = Fraction(str(fps).strip()).limit_denominator(1001)
    except (ValueError, ZeroDivisionError):
        raise MediaError(f"--fps {fps!r} is not a frame rate; give e.g. 24, 25, 23.976 or 24000/1001") from None
    if not 0 < value <= 1000:
        raise MediaError(f"--fps {fps!r} must be a positive frame rate (e.g. 24 or 24000/1001)")
    return value


def check_fps(clip: ClipInfo, fps: str | None) -> ClipInfo:
    if fps is None:
        return clip
    wanted = parse_fps(fps)
    if clip.fps is not None and Fraction(clip.fps) != wanted:
        raise MediaError(
            f"fps mismatch: {clip.path} runs at {clip.fps} fps but --fps {fps} was given; "
            "drop --fps or conform the plate"
        )
    return clip.model_copy(update={"fps": str(wanted)}) if clip.fps is None else clip
