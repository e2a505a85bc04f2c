"""Stills: a directory of images, or one unnumbered image, numbered ``first_frame``... in name order.

Unlike a sequence, stills may differ in size and format; ``info`` describes the first one.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from faceplate.errors import MediaError
from faceplate.media.frames import FrameRange
from faceplate.media.image_input import is_image_path, read_image_format
from faceplate.media.plate import ImageFilesPlate, PlateInfo


def _natural_key(name: str) -> list:
    # img2 sorts before img10, as a file browser shows them.
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


class StillsPlate(ImageFilesPlate):
    def __init__(self, paths: list[str | os.PathLike], first_frame: int, label: str) -> None:
        if not paths:
            raise MediaError(
                f"no still images in {label}; add .jpg/.png/.exr/.tif files or point at a video or sequence"
            )
        files = {first_frame + i: os.fspath(p) for i, p in enumerate(paths)}
        header = read_image_format(files[first_frame], first_frame)
        self.info = PlateInfo(
            path=label,
            kind="stills",
            width=header.width,
            height=header.height,
            fps=None,
            frame_range=FrameRange(first_frame, first_frame + len(files) - 1),
            bit_depth=header.bit_depth,
            is_float=header.is_float,
            frame_files=files,
        )

    @classmethod
    def from_directory(cls, directory: str | os.PathLike, first_frame: int = 1001) -> "StillsPlate":
        """Every image file in ``directory`` (not hidden, not recursive), in natural name order."""
        try:
            entries = [
                e for e in os.scandir(directory) if e.is_file() and not e.name.startswith(".") and is_image_path(e.name)
            ]
        except OSError as exc:
            raise MediaError(f"cannot list stills directory {directory}: {exc.strerror}; check the path") from exc
        entries.sort(key=lambda e: _natural_key(e.name))
        return cls([Path(e.path) for e in entries], first_frame, os.fspath(directory))
