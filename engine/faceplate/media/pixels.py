"""Pixel-array conventions shared by every reader.

Frames are ``["H", "W", 3]`` RGB, C-contiguous: uint8 for 8-bit sources, uint16 for
10/12/16-bit integer sources, float32 for half/float sources (values not normalised,
scene-linear highlights stay above 1.0).
"""

from __future__ import annotations

import numpy as np

# Scale of each integer dtype's full range; float data is already in its own units.
_INT_SCALE = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}


def to_float01(img: np.ndarray) -> np.ndarray:
    """Return ``img`` as float32: uint8 / 255, uint16 / 65535, float passed through.

    Float input is returned as float32 without clipping, so HDR values survive.
    """
    scale = _INT_SCALE.get(img.dtype)
    if scale is not None:
        return img.astype(np.float32) / np.float32(
            scale
        )  # divide: 255/255 is exactly 1.0, every value correctly rounded
    if img.dtype.kind == "f":
        return img.astype(np.float32, copy=False)
    raise TypeError(f"to_float01 expects uint8, uint16 or float pixels, got {img.dtype}")


def as_rgb(img: np.ndarray) -> np.ndarray:
    """Make ``["H", "W", C]`` or ``["H", "W"]`` pixels ``["H", "W", 3]`` RGB, C-contiguous.

    Alpha and any extra channels are dropped; grey (and grey+alpha) is repeated to 3.
    """
    if img.ndim == 2:
        img = img[:, :, None]
    channels = img.shape[2]
    if channels >= 3:
        img = img[:, :, :3]
    else:
        img = np.repeat(img[:, :, :1], 3, axis=2)
    return np.ascontiguousarray(img)
