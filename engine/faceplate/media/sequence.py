"""Image sequences: ``name.####.exr``, ``name.%04d.exr``, ``name.@@@@.exr``, ``name.[1001-1100].exr``
or one existing frame ``name.1001.exr`` (its siblings are found by the last digit run).

Frame numbers come from the file names; the directory is scanned once.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from faceplate.errors import MediaError
from faceplate.media.frames import FrameRange
from faceplate.media.image_input import read_image_format
from faceplate.media.image_output import write_image
from faceplate.media.plate import PATTERN_TOKEN, ImageFilesPlate, PlateInfo

# The last digit run before the extension of a concrete file name.
_NUMBERED = re.compile(r"^(.*?)(\d+)(\.[^.]+)$")


@dataclass(frozen=True)
class SequencePattern:
    """``directory/prefix<frame>suffix``; ``padding`` is the minimum digit count (None: any width
    matches, and ``write_padding`` names new files)."""

    directory: Path
    prefix: str
    suffix: str
    padding: int | None
    explicit: FrameRange | None = None
    write_padding: int = 1

    def frame_path(self, frame: int) -> Path:
        digits = str(abs(frame)).zfill(self.padding or self.write_padding)
        return self.directory / f"{self.prefix}{'-' if frame < 0 else ''}{digits}{self.suffix}"

    def frame_of(self, name: str) -> int | None:
        """The frame number a file name holds in this sequence, or None."""
        if not (name.startswith(self.prefix) and name.endswith(self.suffix)) or len(name) <= len(self.prefix) + len(
            self.suffix
        ):
            return None
        digits = name[len(self.prefix) : len(name) - len(self.suffix)]
        if not digits.isdigit() or not digits.isascii():
            return None
        # Frames past the padding grow wider (10000 in a #### sequence) but never have leading zeros.
        if (
            self.padding is not None
            and len(digits) != self.padding
            and (len(digits) < self.padding or digits[0] == "0")
        ):
            return None
        return int(digits)

    def __str__(self) -> str:
        token = f"[{self.explicit}]" if self.explicit else "#" * (self.padding or self.write_padding)
        return str(self.directory / f"{self.prefix}{token}{self.suffix}")


def parse_pattern(pattern: str | os.PathLike) -> SequencePattern:
    """Parse any accepted pattern syntax, or a concrete numbered file name."""
    directory, name = os.path.split(os.fspath(pattern))
    directory = Path(directory or ".")
    matches = list(PATTERN_TOKEN.finditer(name))
    if matches:
        match = matches[-1]  # the frame number is the last token, as in name_v###.####.exr
        token, (width, first, last) = match.group(0), match.groups()
        prefix, suffix = name[: match.start()], name[match.end() :]
        if first is not None:
            # [1001-1100] matches any padding; new files get as many digits as its first number.
            explicit = FrameRange(int(first), int(last))
            return SequencePattern(directory, prefix, suffix, None, explicit, len(first.lstrip("-")))
        padding = int(width or 1) if token.startswith("%") else len(token)
        return SequencePattern(directory, prefix, suffix, padding)
    numbered = _NUMBERED.match(name)
    if not numbered:
        raise MediaError(
            f"{pattern} is not an image-sequence pattern; write name.####.exr, name.%04d.exr or name.1001.exr"
        )
    prefix, digits, suffix = numbered.groups()
    return SequencePattern(directory, prefix, suffix, len(digits))


def scan_sequence(pattern: SequencePattern) -> dict[int, str]:
    """Frame number -> path for every file in the directory that belongs to ``pattern``."""
    try:
        entries = list(os.scandir(pattern.directory))
    except OSError as exc:
        raise MediaError(
            f"cannot list {pattern.directory} for sequence {pattern}: {exc.strerror}; check the path"
        ) from exc
    files: dict[int, str] = {}
    for entry in entries:
        frame = pattern.frame_of(entry.name)
        if frame is None or (pattern.explicit is not None and frame not in pattern.explicit):
            continue
        if frame in files:
            raise MediaError(
                f"sequence {pattern} has two files for frame {frame} ({os.path.basename(files[frame])}, "
                f"{entry.name}); keep one padding, or give the padding with ####"
            )
        files[frame] = entry.path
    return files


def numbered_siblings(path: str | os.PathLike) -> SequencePattern | None:
    """The sequence a numbered file belongs to, if at least one sibling shares its naming."""
    numbered = _NUMBERED.match(os.path.basename(os.fspath(path)))
    if not numbered:
        return None
    pattern = parse_pattern(path)
    return pattern if len(scan_sequence(pattern)) >= 2 else None


class SequencePlate(ImageFilesPlate):
    def __init__(self, pattern: str | os.PathLike) -> None:
        text = os.fspath(pattern)
        parsed = parse_pattern(text)
        files = scan_sequence(parsed)
        if not files:
            raise MediaError(
                f"empty sequence {text}: no file in {parsed.directory} matches {str(parsed)!r}; "
                "check the name, padding and extension"
            )
        frame_range = parsed.explicit or FrameRange(min(files), max(files))
        missing = tuple(f for f in frame_range if f not in files)
        first = min(files)
        header = read_image_format(files[first], first)
        self.pattern = parsed
        self.info = PlateInfo(
            path=text,
            kind="sequence",
            width=header.width,
            height=header.height,
            fps=header.fps,
            frame_range=frame_range,
            timecode=header.timecode,
            missing_frames=missing,
            bit_depth=header.bit_depth,
            is_float=header.is_float,
            frame_files=dict(sorted(files.items())),
        )


def sequence_path(pattern: str | os.PathLike, frame: int) -> Path:
    """The file of ``frame`` in ``pattern`` (``layer.####.exr``, 1001 -> ``layer.1001.exr``)."""
    return parse_pattern(pattern).frame_path(frame)


def format_pattern(directory: str | os.PathLike, name: str, ext: str, padding: int = 4) -> str:
    """Build an output pattern: ``format_pattern("out", "layer", "exr")`` -> ``out/layer.####.exr``."""
    return os.path.join(os.fspath(directory), f"{name}.{'#' * padding}.{ext.lstrip('.')}")


def write_sequence_frame(pattern: str | os.PathLike, frame: int, array: np.ndarray, **options) -> Path:
    """``write_image(sequence_path(pattern, frame), array, **options)``."""
    return write_image(sequence_path(pattern, frame), array, **options)
