"""Plates: the frames of a video file, an image sequence or a set of stills, by plate frame number.

``open_plate`` is the one entry point; every reader returns ``["H", "W", 3]`` RGB arrays (see
``pixels.py``) addressed by the plate's own frame numbers (1001...), never 0-based indices.
"""

from __future__ import annotations

import abc
import fractions
import itertools
import os
import re
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from faceplate.errors import FrameRangeError, MediaError
from faceplate.media.frames import FrameRange
from faceplate.media.image_input import is_image_path, read_image

VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".mkv", ".avi", ".mpg", ".mpeg", ".mxf", ".webm", ".m4v"})
# Frame-number tokens of a sequence pattern: ####, @@@@, %04d, [1001-1100].
PATTERN_TOKEN = re.compile(r"#+|@+|%0?(\d*)d|\[(-?\d+)-(-?\d+)\]")


@dataclass(frozen=True)
class PlateInfo:
    """What a plate holds. ``rotation`` is counter-clockwise degrees applied to decoded video."""

    path: str
    kind: str  # "video" | "sequence" | "stills"
    width: int
    height: int
    fps: fractions.Fraction | None
    frame_range: FrameRange
    timecode: str | None = None
    rotation: int = 0
    missing_frames: tuple[int, ...] = ()
    bit_depth: int = 8
    is_float: bool = False
    frame_files: dict[int, str] | None = field(default=None, repr=False, hash=False)


class Plate(abc.ABC):
    """A readable plate; use as a context manager or call ``close()``."""

    info: PlateInfo

    @abc.abstractmethod
    def read(self, frame: int) -> np.ndarray:
        """Return plate frame ``frame`` exactly (random access)."""

    def iter_frames(self, frames: FrameRange | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(frame, pixels)`` in order over ``frames`` (default: all), skipping missing frames."""
        missing = set(self.info.missing_frames)
        for frame in self._checked_range(frames):
            if frame not in missing:
                yield frame, self.read(frame)

    def close(self) -> None:  # noqa: B027 - optional: plates that hold no handle keep this
        """Release file handles; reading after close is an error."""

    def __enter__(self) -> "Plate":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _checked_range(self, frames: FrameRange | None) -> FrameRange:
        if frames is None:
            return self.info.frame_range
        frames.require_within(self.info.frame_range, f"plate {self.info.path}")
        return frames

    def _check_frame(self, frame: int) -> None:
        if frame not in self.info.frame_range:
            raise FrameRangeError(
                f"frame {frame} is outside plate {self.info.path}, which holds frames {self.info.frame_range}; "
                "pick a frame inside that range (or set the plate's first frame with --first-frame)"
            )
        if frame in self.info.missing_frames:
            raise FrameRangeError(
                f"frame {frame} is missing from sequence {self.info.path} "
                f"(missing: {_short_list(self.info.missing_frames)}); re-render it or choose another frame"
            )


class ImageFilesPlate(Plate):
    """A plate of one image file per frame (sequences and stills); ``info.frame_files`` maps them."""

    def read(self, frame: int) -> np.ndarray:
        self._check_frame(frame)
        return read_image(self.info.frame_files[frame], frame)

    def iter_frames(self, frames: FrameRange | None = None) -> Iterator[tuple[int, np.ndarray]]:
        # OpenImageIO decodes without the GIL, so a few frames read ahead in threads overlap I/O and decode.
        missing = set(self.info.missing_frames)
        wanted = iter([f for f in self._checked_range(frames) if f not in missing])
        workers = min(4, os.cpu_count() or 1)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="faceplate-read")
        try:
            pending = deque((f, pool.submit(self.read, f)) for f in itertools.islice(wanted, 2 * workers))
            while pending:
                frame, future = pending.popleft()
                upcoming = next(wanted, None)
                if upcoming is not None:
                    pending.append((upcoming, pool.submit(self.read, upcoming)))
                yield frame, future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _short_list(frames: tuple[int, ...], limit: int = 10) -> str:
    shown = ", ".join(str(f) for f in frames[:limit])
    return shown + (f" and {len(frames) - limit} more" if len(frames) > limit else "")


def is_sequence_pattern(path: str) -> bool:
    return bool(PATTERN_TOKEN.search(os.path.basename(path)))


def open_plate(path: str | os.PathLike, first_frame: int = 1001) -> Plate:
    """Open a video file, an image sequence or stills (a directory, or one unnumbered image).

    Video and stills are numbered from ``first_frame``; a sequence keeps its files' numbers.
    A single numbered file (``shot.1001.exr``) opens the sequence of its siblings.
    """
    # Imported here: the readers import this module for PlateInfo / Plate.
    from faceplate.media import sequence, stills, video

    text = os.fspath(path)
    p = Path(text)
    if p.is_dir():
        return stills.StillsPlate.from_directory(p, first_frame)
    if is_sequence_pattern(text) and not p.is_file():
        return sequence.SequencePlate(text)
    if not p.exists():
        raise MediaError(f"cannot open plate {text}: no such file or directory; check the path")
    if p.suffix.lower() in VIDEO_EXTENSIONS:
        return video.VideoPlate(p, first_frame)
    if is_image_path(p):
        if sequence.numbered_siblings(p) is not None:
            return sequence.SequencePlate(text)
        return stills.StillsPlate([p], first_frame, text)
    return video.VideoPlate(p, first_frame)  # unknown extension: let FFmpeg try
