"""Generated media for the media tests: tiny videos whose frames say which frame they are.

(A uniquely named module, not conftest, so ``from media_helpers import ...`` cannot pick up
another test folder's conftest.)
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

WIDTH, HEIGHT, BITS = 64, 48, 4


def coded_frame(index: int) -> np.ndarray:
    """``["H", "W", 3]`` uint8: the top half holds ``index`` as 4 black/white 16-px stripes
    (bit 0 leftmost); the bottom half is grey with a red block at its left, so the frame is
    asymmetric and a wrong rotation shows."""
    img = np.full((HEIGHT, WIDTH, 3), 128, np.uint8)
    for bit in range(BITS):
        img[: HEIGHT // 2, bit * 16 : (bit + 1) * 16] = 235 if index >> bit & 1 else 16
    img[HEIGHT // 2 :, :16] = (220, 30, 30)
    return img


def read_code(img: np.ndarray) -> int:
    """Inverse of ``coded_frame`` for an upright decoded frame (lossy codecs survive: block means)."""
    stripes = [img[4 : HEIGHT // 2 - 4, bit * 16 + 4 : bit * 16 + 12].mean() for bit in range(BITS)]
    return sum(1 << bit for bit, mean in enumerate(stripes) if mean > 128)


def encode_video(
    path: Path,
    frames: int = 12,
    rate: Fraction | int = 25,
    *,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    rotation: int | None = None,
    timecode: str | None = None,
) -> Path:
    """Encode ``coded_frame(0..frames-1)``. libx264 gets 4-frame GOPs with B-frames so seeks and
    frame reordering are exercised."""
    options = {"x264-params": "keyint=4:min-keyint=4:scenecut=0:bframes=2"} if codec == "libx264" else {}
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate, options=options)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, pix_fmt
        if codec == "mpeg1video":  # MPEG-PS: no frame count in the header, imprecise seeks
            stream.codec_context.gop_size, stream.codec_context.max_b_frames = 4, 2
        if timecode:
            stream.metadata["timecode"] = timecode
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for index in range(frames):
            for packet in stream.encode(av.VideoFrame.from_ndarray(coded_frame(index), format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
