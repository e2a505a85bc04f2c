"""The data and display windows of an OpenEXR file, read from its header with the standard library.

The engine writes each layer frame with a data window around the face inside the plate-sized display
window (OpenEXR file layout: magic 20000630, version, then attributes ``name\\0type\\0size value`` up to
an empty name; ``dataWindow``/``displayWindow`` are ``box2i``: xMin, yMin, xMax, yMax as int32, y down).
Blender loads only the data window and centres it in the frame, so the adapter needs both to put it back.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

MAGIC = 20000630


class Box(NamedTuple):
    x_min: int
    y_min: int
    x_max: int
    y_max: int

    @property
    def width(self) -> int:
        return self.x_max - self.x_min + 1

    @property
    def height(self) -> int:
        return self.y_max - self.y_min + 1


def exr_windows(path: str) -> tuple[Box, Box]:
    """(data window, display window) of one EXR file; ValueError naming the file when it is not one."""
    found = {}
    with open(path, "rb") as handle:
        magic, _version = struct.unpack("<ii", handle.read(8))
        if magic != MAGIC:
            raise ValueError(f"{path} is not an OpenEXR file")
        while len(found) < 2:
            name, kind = _text(handle), _text(handle)
            if not name:
                break
            size = struct.unpack("<i", handle.read(4))[0]
            value = handle.read(size)
            if kind == "box2i" and name in ("dataWindow", "displayWindow"):
                found[name] = Box(*struct.unpack("<4i", value))
    if len(found) < 2:
        raise ValueError(f"{path}: no data/display window in the EXR header")
    return found["dataWindow"], found["displayWindow"]


def centre_offset(data: Box, display: Box) -> tuple[float, float]:
    """How far (x right, y up, pixels) the data window's centre lies from the display window's centre:
    the transform that moves a centred data-window image back where the file puts it."""
    x = (data.x_min + data.x_max + 1) / 2 - (display.x_min + display.x_max + 1) / 2
    y_down = (data.y_min + data.y_max + 1) / 2 - (display.y_min + display.y_max + 1) / 2
    return x, -y_down


def _text(handle) -> str:
    out = bytearray()
    while True:
        byte = handle.read(1)
        if not byte or byte == b"\0":
            return out.decode("latin-1")
        out += byte
