"""One plate frame and its comp layer, seen the way QC measures them: aligned face crops.

The composite is the layer over the plate (premultiplied ``over``, in the plate's colour space),
made only in the part of the frame the face crop covers, so a 1080p frame costs a face's pixels.
Plate and composite are warped into the same crop by the plate face's own alignment (the
template the extraction uses, ``whole_face``), so the face's motion is taken out before frames are
compared. Pixels are converted to the working space (sRGB 8-bit, what dlib and the eye see) before
the warp.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from faceplate.faces.align import crop_matrix, invert_matrix, transform_points
from faceplate.media import ColourTransform, to_float01, working_uint8
from faceplate.quality.judge import EMBED_SIZE
from faceplate.render.composite import Region, crop_region

CROP_SIZE = EMBED_SIZE  # the judge's own size: its landmark re-fit and embedding see the crop unscaled
FOOTPRINT_MARGIN = 2  # px around the crop's plate box, so the warp's bilinear taps stay inside what was read
CROP_FACE_TYPE = "whole_face"  # forehead to chin and the cheeks' edges: where a matte's seam lies


@dataclass(frozen=True)
class CropPair:
    """Plate and composite of one frame as aligned crops ``[S, S, 3]`` (uint8 sRGB) with the matte."""

    frame: int
    plate: np.ndarray
    composite: np.ndarray
    matte: np.ndarray  # float32 [S, S], 0..1
    start: np.ndarray  # the plate face's landmarks in the crop [68, 2]
    to_plate: np.ndarray  # 2x3, crop pixels -> plate pixels


def composite_region(
    plate: np.ndarray, layer: np.ndarray, corner: tuple[int, int], region: Region
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(plate, composite, matte) of ``region`` of the frame; ``layer`` is the layer's premultiplied RGBA
    data window with its top-left ``corner`` in the frame."""
    x0, y0, x1, y1 = region.x0, region.y0, region.x1, region.y1
    under = to_float01(plate[y0:y1, x0:x1, :3])
    rgb, matte = np.zeros_like(under), np.zeros(under.shape[:2], np.float32)
    lx0, ly0 = max(x0, corner[0]), max(y0, corner[1])
    lx1, ly1 = min(x1, corner[0] + layer.shape[1]), min(y1, corner[1] + layer.shape[0])
    if lx1 > lx0 and ly1 > ly0:
        window = layer[ly0 - corner[1] : ly1 - corner[1], lx0 - corner[0] : lx1 - corner[0]]
        rgb[ly0 - y0 : ly1 - y0, lx0 - x0 : lx1 - x0] = window[..., :3]
        matte[ly0 - y0 : ly1 - y0, lx0 - x0 : lx1 - x0] = np.clip(window[..., 3], 0, 1)
    return under, rgb + under * (1.0 - matte[..., None]), matte


def crop_pair(
    frame: int,
    plate: np.ndarray,
    layer: np.ndarray,
    corner: tuple[int, int],
    landmarks: np.ndarray,
    colour: ColourTransform,
    size: int = CROP_SIZE,
) -> CropPair:
    """Plate and composite of ``frame`` cropped around the plate face with ``landmarks`` (plate pixels)."""
    matrix = crop_matrix(landmarks, CROP_FACE_TYPE, size)
    region = crop_region(matrix, size, plate.shape, FOOTPRINT_MARGIN)
    under, over, matte = composite_region(plate, layer, corner, region)
    local = matrix.copy()
    local[:, 2] += matrix[:, :2] @ np.array(
        [region.x0, region.y0], np.float64
    )  # the region's pixel (0, 0) is frame (x0, y0)

    def warp(image: np.ndarray) -> np.ndarray:
        return cv2.warpAffine(image, local, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    # 8-bit before the warp: where the composite is the plate, its crop is the plate's crop bit for bit
    return CropPair(
        frame,
        warp(working_uint8(under, colour)),
        warp(working_uint8(over, colour)),
        warp(matte),
        transform_points(landmarks, matrix),
        invert_matrix(matrix),
    )


def mean_crop_landmarks(landmarks: list[np.ndarray], size: int = CROP_SIZE) -> np.ndarray:
    """``[68, 2]``: the mean of the plate faces' landmarks (plate pixels) in their own aligned crops, where
    every crop's landmark re-fit starts (``quality.judge``: one start for the whole clip)."""
    return np.mean([transform_points(p, crop_matrix(p, CROP_FACE_TYPE, size)) for p in landmarks], axis=0)


def side_by_side(
    plate: np.ndarray,
    layer: np.ndarray,
    corner: tuple[int, int],
    landmarks: np.ndarray,
    colour: ColourTransform,
    height: int = 320,
) -> np.ndarray:
    """Plate | composite | matte around the face, as the frame shows it (not aligned), sRGB uint8."""
    matrix = crop_matrix(landmarks, CROP_FACE_TYPE, CROP_SIZE)
    region = crop_region(matrix, CROP_SIZE, plate.shape, FOOTPRINT_MARGIN)
    under, over, matte = composite_region(plate, layer, corner, region)
    width = max(1, round(height * under.shape[1] / max(under.shape[0], 1)))
    panels = [
        working_uint8(cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA), colour)
        for image in (under, over)
    ]
    shown_matte = cv2.resize(matte, (width, height), interpolation=cv2.INTER_AREA)
    panels.append(np.repeat((np.clip(shown_matte, 0, 1) * 255 + 0.5).astype(np.uint8)[..., None], 3, axis=2))
    gap = np.full((height, 4, 3), 255, np.uint8)
    return np.concatenate([panels[0], gap, panels[1], gap, panels[2]], axis=1)
