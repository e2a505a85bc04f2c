"""`faceplate demo`: build the bundled example shot and run the stages on it.

The example is made from scikit-image's astronaut photo (public domain, NASA), shipped inside
the scikit-image package: a 24-frame linear-light EXR plate (1001-1024) with a slow push-in
and drift, plus a folder of source stills. Nothing is downloaded.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

from faceplate.errors import FaceplateError
from faceplate.faces.faceset import read_faceset
from faceplate.media import FrameRange, write_image
from faceplate.media.colour import ColourTransform
from faceplate.stages.extract import extract
from faceplate.workspace import init_workspace

log = logging.getLogger(__name__)
PLATE_RANGE = FrameRange(1001, 1024)
PLATE_SIZE = (960, 540)
PLATE_SPACE = "Linear Rec.709 (sRGB)"


def _astronaut() -> np.ndarray:
    try:
        from skimage import data
    except ImportError as exc:
        raise FaceplateError("the demo needs scikit-image for its example photo: pip install scikit-image") from exc
    return data.astronaut()  # 512x512 RGB uint8, sRGB-encoded


def _camera_move(photo: np.ndarray, t: float) -> np.ndarray:
    """The photo on a wider canvas, pushed in 10% and drifting right over the shot (t in 0..1)."""
    w, h = PLATE_SIZE
    scale = 1.0 + 0.1 * t
    centre = (photo.shape[1] / 2, photo.shape[0] / 2)
    matrix = cv2.getRotationMatrix2D(centre, 2.0 * t, scale)
    matrix[:, 2] += (w / 2 - centre[0] + 40 * t, h / 2 - centre[1])
    return cv2.warpAffine(photo, matrix, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)


def build_example(folder: Path) -> tuple[str, Path]:
    """Write the plate sequence and source stills; returns (plate pattern, sources folder)."""
    photo = _astronaut()
    to_linear = ColourTransform(PLATE_SPACE)  # plate space <-> sRGB working space
    plate_dir, source_dir = folder / "plate", folder / "source"
    for frame in PLATE_RANGE:
        t = (frame - PLATE_RANGE.first) / (len(PLATE_RANGE) - 1)
        encoded = _camera_move(photo, t).astype(np.float32) / 255.0
        write_image(plate_dir / f"astronaut.{frame:04d}.exr", to_linear.to_plate(encoded), pixel_type="half")
    source_dir.mkdir(parents=True, exist_ok=True)
    variants = {"a_straight": photo, "b_mirrored": photo[:, ::-1], "c_warm": np.clip(photo * [1.08, 1.0, 0.9], 0, 255)}
    for name, image in variants.items():
        write_image(source_dir / f"{name}.png", np.ascontiguousarray(image.astype(np.uint8)))
    return str(plate_dir / "astronaut.####.exr"), source_dir


def run_demo(out: Path, quiet: bool = False) -> Path:
    out = Path(out)
    plate, sources = build_example(out / "example")
    shot = out / "shot"
    ws = init_workspace(shot, plate, str(PLATE_RANGE), [sources], colour_space=PLATE_SPACE, fps="24", force=True)
    log.info("example shot %s: plate %s, frames %s", shot, plate, PLATE_RANGE)
    extract(ws, show_progress=not quiet)
    for role in ("destination", "source"):
        faceset = read_faceset(ws.faceset_dir(role))
        log.info("%s faceset: %d faces, frames %s..%s -> %s", role, len(faceset.records), faceset.frames[0],
                 faceset.frames[-1], faceset.folder)
    return shot
