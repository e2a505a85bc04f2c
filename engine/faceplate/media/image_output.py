"""Writing single images through OpenImageIO: EXR half/float (optionally with a data window),
PNG/TIFF 8/16-bit, DPX 10-bit, JPEG.

Every write goes through ``atomic_path``: a crash or a failed write leaves the old file, never
half a new one.
"""

from __future__ import annotations

import os
from pathlib import Path

try:
    import resource
except ImportError:  # Windows: no file size limits to read
    resource = None

import numpy as np
import OpenImageIO as oiio

from faceplate.atomic import atomic_path
from faceplate.errors import DiskFullError, MediaError

# Pixel types a caller may ask for, as (OIIO storage type, bits per sample).
PIXEL_TYPES = {
    "uint8": ("uint8", 8),
    "uint10": ("uint16", 10),
    "uint12": ("uint16", 12),
    "uint16": ("uint16", 16),
    "half": ("half", 16),
    "float": ("float", 32),
}
# Which of those each common format can store; OIIO would otherwise silently substitute.
_ALLOWED = {
    "exr": {"half", "float"},
    "png": {"uint8", "uint16"},
    "jpg": {"uint8"},
    "jpeg": {"uint8"},
    "dpx": {"uint8", "uint10", "uint12", "uint16"},
    "tif": {"uint8", "uint16", "half", "float"},
    "tiff": {"uint8", "uint16", "half", "float"},
}
_DEFAULT_COMPRESSION = {"exr": "zip", "tif": "zip", "tiff": "zip"}
PNG_END = bytes.fromhex("0000000049454e44ae426082")  # the IEND chunk every complete PNG ends with
MIN_BYTES = 8  # no image file of any format we write is smaller (signatures + header)


def _pick_pixel_type(ext: str, dtype: np.dtype, pixel_type: str | None, path: Path) -> str:
    if pixel_type is None:
        if ext == "exr":
            pixel_type = "half"
        elif ext == "dpx":
            pixel_type = "uint10"
        elif dtype == np.uint8 or ext in ("jpg", "jpeg"):
            pixel_type = "uint8"
        else:
            pixel_type = "uint16"
    if pixel_type not in PIXEL_TYPES:
        raise MediaError(f"cannot write {path}: pixel type {pixel_type!r} is not one of {', '.join(PIXEL_TYPES)}")
    allowed = _ALLOWED.get(ext)
    if allowed is not None and pixel_type not in allowed:
        raise MediaError(
            f"cannot write {path}: .{ext} cannot store {pixel_type}; use one of {', '.join(sorted(allowed))}"
        )
    return pixel_type


def _checked_pixels(array: np.ndarray, path: Path) -> np.ndarray:
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4):
        raise MediaError(
            f"cannot write {path}: pixels must be [H, W], [H, W, 3] (RGB) or [H, W, 4] (RGBA), got {array.shape}"
        )
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    if array.dtype not in (np.uint8, np.uint16, np.float16, np.float32):
        raise MediaError(f"cannot write {path}: pixels must be uint8, uint16 or float, got {array.dtype}")
    return np.ascontiguousarray(array)


def _build_spec(array: np.ndarray, pixel_type: str, channel_names, data_window, display_size, path) -> "oiio.ImageSpec":
    height, width, channels = array.shape
    storage, bits = PIXEL_TYPES[pixel_type]
    spec = oiio.ImageSpec(width, height, channels, storage)
    if bits in (10, 12):
        spec.attribute("oiio:BitsPerSample", bits)
    if channel_names is not None:
        if len(channel_names) != channels:
            raise MediaError(f"cannot write {path}: {len(channel_names)} channel names for {channels} channels")
        spec.channelnames = tuple(channel_names)
    if data_window is not None:
        x, y, w, h = data_window
        if (h, w) != (height, width):
            raise MediaError(f"cannot write {path}: data window {w}x{h} does not match pixels {width}x{height}")
        full_w, full_h = display_size
        spec.x, spec.y = x, y
        spec.full_x, spec.full_y, spec.full_width, spec.full_height = 0, 0, full_w, full_h
    return spec


def _write_pixels(out: "oiio.ImageOutput", array: np.ndarray) -> bool:
    # A seam for tests: the only call that moves pixel data into the file.
    return out.write_image(array)


def write_image(
    path: str | os.PathLike,
    array: np.ndarray,
    *,
    pixel_type: str | None = None,
    channel_names: tuple[str, ...] | None = None,
    compression: str | None = None,
    quality: int = 95,
    data_window: tuple[int, int, int, int] | None = None,
    display_size: tuple[int, int] | None = None,
    attributes: dict[str, str] | None = None,
) -> Path:
    """Write ``array`` (``["H", "W"]``, ``["H", "W", 3]`` or ``["H", "W", 4]``) atomically to ``path``.

    ``pixel_type``: uint8 | uint10 | uint12 | uint16 | half | float; default half for EXR,
    uint10 for DPX, else uint8 for uint8 input and uint16 otherwise. Float pixels map 0..1 to
    an integer type's full range. ``data_window=(x, y, w, h)`` (EXR only): with
    ``display_size=(W, H)`` the array holds just the window's pixels; without it the array is
    the whole display window and the window is cut out of it. ``attributes``: string metadata for
    the header (EXR attributes, PNG text chunks; TIFF keeps only its own tags, e.g. ImageDescription).
    """
    path = Path(path)
    ext = path.suffix.lower().lstrip(".")
    array = _checked_pixels(np.asarray(array), path)
    pixel_type = _pick_pixel_type(ext, array.dtype, pixel_type, path)
    if data_window is not None:
        if ext != "exr":
            raise MediaError(f"cannot write {path}: a data window needs an .exr file")
        if display_size is None:
            display_size = (array.shape[1], array.shape[0])
            x, y, w, h = data_window
            array = np.ascontiguousarray(array[max(y, 0) : y + h, max(x, 0) : x + w])
            if x < 0 or y < 0 or array.shape[:2] != (h, w):
                raise MediaError(
                    f"cannot write {path}: data window {data_window} lies outside the {display_size[0]}x{display_size[1]} image; "
                    "pass display_size=(W, H) with the window's pixels for overscan"
                )
    spec = _build_spec(array, pixel_type, channel_names, data_window, display_size, path)
    compression = compression or _DEFAULT_COMPRESSION.get(ext)
    if ext in ("jpg", "jpeg"):
        compression = f"jpeg:{quality}"
    if compression:
        spec.attribute("compression", compression)
    for name, value in (attributes or {}).items():
        spec.attribute(name, str(value))
    with atomic_path(path, min_size=MIN_BYTES) as tmp:
        _write_to(tmp, spec, array, path)
        _check_complete(tmp, ext, path, array.nbytes)
    return path


def _write_to(tmp: Path, spec: "oiio.ImageSpec", array: np.ndarray, path: Path) -> None:
    out = oiio.ImageOutput.create(str(tmp))
    if out is None:
        raise MediaError(
            f"cannot write {path}: no image writer for '{path.suffix}' ({oiio.geterror()}); use .exr, .png, .tif, .dpx or .jpg"
        )
    try:
        written = out.open(str(tmp), spec) and _write_pixels(out, array)
    finally:
        closed = out.close()
    if not (written and closed):
        if _out_of_space(tmp, array.nbytes):
            raise _disk_full(path)
        raise MediaError(
            f"cannot write {path}: {out.geterror() or 'write failed'}; check free disk space and permissions"
        )
    with open(tmp, "rb") as fh:  # on disk before the rename, as atomic.py promises
        os.fsync(fh.fileno())


def _check_complete(tmp: Path, ext: str, path: Path, nbytes: int) -> None:
    """Catch what a writer did not report: OpenImageIO's PNG writer ignores failed writes (a full
    disk leaves a truncated file that it calls written), so a PNG must end with its IEND chunk."""
    if ext == "png":
        with open(tmp, "rb") as fh:
            fh.seek(max(0, tmp.stat().st_size - len(PNG_END)))
            if fh.read() != PNG_END:
                raise (
                    _disk_full(path)
                    if _out_of_space(tmp, nbytes)
                    else MediaError(
                        f"cannot write {path}: the PNG came out incomplete; check free disk space and permissions"
                    )
                )
    elif _at_file_size_limit(tmp):
        raise _disk_full(path)


def _out_of_space(tmp: Path, nbytes: int) -> bool:
    """The likely reason a write failed: less free space than the uncompressed pixels need, or the
    process's file size limit reached (the writers do not pass errno on)."""
    try:
        stats = os.statvfs(tmp.parent)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < nbytes or _at_file_size_limit(tmp)


def _at_file_size_limit(tmp: Path) -> bool:
    if resource is None:
        return False
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    return limit != resource.RLIM_INFINITY and tmp.is_file() and tmp.stat().st_size >= limit


def _disk_full(path: Path) -> DiskFullError:
    return DiskFullError(
        f"no space left to write {path}; the previous file is kept: free some disk space and run the same command again"
    )
