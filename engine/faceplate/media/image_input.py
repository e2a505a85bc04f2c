"""Reading single images through OpenImageIO (EXR, DPX, TIFF, PNG, JPEG ...).

Readers return the pixel conventions of ``pixels.py``: ``["H", "W", 3]`` RGB, uint8 / uint16 /
float32 by the file's storage type, in the display window.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import OpenImageIO as oiio

from faceplate.errors import MediaError
from faceplate.media.pixels import as_rgb

# OIIO's own list, minus pseudo-formats that are not image files on disk.
_NOT_IMAGES = {"null", "nul", "term", "zfile", "z"}
IMAGE_EXTENSIONS = frozenset(
    ext
    for entry in oiio.get_string_attribute("extension_list").split(";")
    for ext in entry.partition(":")[2].split(",")
    if ext and ext not in _NOT_IMAGES
)

_INT_READ = {oiio.UINT8: "uint8", oiio.INT8: "uint8"}


@dataclass(frozen=True)
class ImageFormat:
    """What a file's header says: display-window size and storage type."""

    width: int
    height: int
    bit_depth: int
    is_float: bool
    fps: Fraction | None = None  # EXR/DPX header frame rate, when written
    timecode: str | None = None  # SMPTE timecode in the header, when written


def is_image_path(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower().lstrip(".") in IMAGE_EXTENSIONS


def _where(path: str | os.PathLike, frame: int | None) -> str:
    return f"frame {frame} ({path})" if frame is not None else str(path)


def _open(path: str | os.PathLike, frame: int | None) -> "oiio.ImageInput":
    if not os.path.isfile(path):
        raise MediaError(
            f"cannot read {_where(path, frame)}: no such file; check the path and that the frame was rendered"
        )
    inp = oiio.ImageInput.open(str(path))
    if inp is None:
        raise MediaError(
            f"cannot read {_where(path, frame)}: {oiio.geterror() or 'unknown image format'}; "
            "the file is corrupt or not an image, re-render or re-copy it"
        )
    return inp


def _format_of(spec: "oiio.ImageSpec") -> ImageFormat:
    base = spec.format.basetype
    is_float = base in (oiio.HALF, oiio.FLOAT, oiio.DOUBLE)
    bits = spec.get_int_attribute("oiio:BitsPerSample", spec.format.size() * 8)
    rate = spec.getattribute("FramesPerSecond")
    fps = Fraction(*rate) if isinstance(rate, tuple) and len(rate) == 2 and rate[1] else None
    timecode = spec.get_string_attribute("smpte:TimeCode") or None
    return ImageFormat(spec.full_width, spec.full_height, 16 if base == oiio.HALF else bits, is_float, fps, timecode)


def read_image_format(path: str | os.PathLike, frame: int | None = None) -> ImageFormat:
    """Read only the header of an image."""
    inp = _open(path, frame)
    try:
        return _format_of(inp.spec())
    finally:
        inp.close()


def _read_type(spec: "oiio.ImageSpec") -> str:
    # 10/12/16-bit integers come back as uint16 scaled to full range (OIIO does the scaling).
    base = spec.format.basetype
    if base in _INT_READ:
        return _INT_READ[base]
    if base in (oiio.UINT16, oiio.INT16):
        return "uint16"
    return "float"


def read_image(path: str | os.PathLike, frame: int | None = None, alpha: bool = False) -> np.ndarray:
    """Read an image as ``["H", "W", 3]`` RGB in the display window (outside the data window is 0).

    ``alpha=True`` reads ``["H", "W", 4]`` RGBA instead (alpha 1 where the file has none)."""
    pixels, spec = _read_data_window(path, frame, alpha)
    return _place_in_display_window(pixels, spec)


def read_image_window(path: str | os.PathLike, frame: int | None = None) -> tuple[np.ndarray, tuple[int, int]]:
    """``(["h", "w", 4] RGBA of the data window only, (x, y) of its corner in the display window)``:
    a face layer without the empty frame around it (a 1080p layer's face is a few hundred pixels)."""
    pixels, spec = _read_data_window(path, frame, alpha=True)
    return pixels, (spec.x - spec.full_x, spec.y - spec.full_y)


def _read_data_window(path, frame: int | None, alpha: bool) -> tuple[np.ndarray, "oiio.ImageSpec"]:
    inp = _open(path, frame)
    try:
        spec = inp.spec()
        chend = 3 if spec.nchannels >= 3 else 1
        if alpha:
            chend = spec.nchannels
        pixels = inp.read_image(0, 0, 0, chend, _read_type(spec))
        if pixels is None or inp.has_error:
            raise MediaError(
                f"cannot decode {_where(path, frame)}: {inp.geterror() or 'read failed'}; "
                "the file is truncated or corrupt, re-render or re-copy it"
            )
    finally:
        inp.close()
    pixels = pixels.reshape(spec.height, spec.width, -1)
    return (_as_rgba(pixels, spec) if alpha else as_rgb(pixels)), spec


def _as_rgba(pixels: np.ndarray, spec: "oiio.ImageSpec") -> np.ndarray:
    """RGBA from any channel layout: grey/RGB get an opaque alpha; a lone alpha channel gets black RGB."""
    names = list(spec.channelnames)
    if names == ["A"]:
        return np.concatenate([np.zeros(pixels.shape[:2] + (3,), pixels.dtype), pixels[..., :1]], axis=2)
    opaque = 1 if pixels.dtype.kind == "f" else np.iinfo(pixels.dtype).max
    alpha = pixels[..., 3:4] if pixels.shape[2] >= 4 else np.full(pixels.shape[:2] + (1,), opaque, pixels.dtype)
    return np.ascontiguousarray(np.concatenate([as_rgb(pixels[..., :3]), alpha], axis=2))


def _place_in_display_window(pixels: np.ndarray, spec: "oiio.ImageSpec") -> np.ndarray:
    """Plates are whole frames: pad/crop an EXR data window to its display window."""
    x0, y0 = spec.x - spec.full_x, spec.y - spec.full_y
    if (x0, y0, spec.width, spec.height) == (0, 0, spec.full_width, spec.full_height):
        return pixels
    full = np.zeros((spec.full_height, spec.full_width, pixels.shape[2]), pixels.dtype)
    dx0, dy0 = max(x0, 0), max(y0, 0)
    dx1, dy1 = min(x0 + spec.width, spec.full_width), min(y0 + spec.height, spec.full_height)
    if dx1 > dx0 and dy1 > dy0:
        full[dy0:dy1, dx0:dx1] = pixels[dy0 - y0 : dy1 - y0, dx0 - x0 : dx1 - x0]
    return full
