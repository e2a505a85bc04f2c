"""Merge one frame: generated faces -> matte, colour match, blend -> premultiplied RGBA layer.

Lifecycle per face (as FaceFusion's processors): ``prepare_face`` (align and crop from the plate)
-> generator (batched, elsewhere) -> ``merge_frame`` (masks, colour, paste-back, layer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np

from faceplate.faces.align import crop_matrix, invert_matrix, matrix_scale, transform_points, warp_face
from faceplate.masks.landmark_mask import FEATURES, face_hull_mask, forehead_fade, parts_mask
from faceplate.media import ColourTransform
from faceplate.render.colour_transfer import transfer_colour
from faceplate.render.composite import (
    Region,
    blend_seamless,
    crop_region,
    match_grain,
    plate_detail,
    shape_matte,
    sharpen,
    snap_to_edges,
    warp_to_plate,
)
from faceplate.render.face_plan import PlannedFace
from faceplate.render.glasses import glasses_map
from faceplate.render.occlusion import occlusion_map
from faceplate.render.settings import MergeSettings


@dataclass
class PreparedFace:
    matrix: np.ndarray  # plate -> crop (model resolution)
    crop: np.ndarray  # [R, R, 3] working space 0..1: the generator's input
    hull: np.ndarray  # [R, R] landmark mask 0..1
    landmarks: np.ndarray  # [68, 2] in crop space
    region: Region  # plate box the face's layer may touch
    region_working: np.ndarray  # plate pixels of ``region`` in the working space


def prepare_face(
    plate: np.ndarray, face: PlannedFace, colour: ColourTransform, face_type: str, resolution: int, margin: int
) -> PreparedFace:
    """Aligned working-space crop for one face; only the face's region is colour-converted."""
    matrix = crop_matrix(face.landmarks, face_type, resolution)
    region = crop_region(matrix, resolution, plate.shape, margin)
    region_working = colour.to_working(np.ascontiguousarray(plate[region.slices()]))
    local = matrix.copy()
    local[:, 2] += local[:, :2] @ np.array([region.x0, region.y0], np.float64)
    crop = np.clip(warp_face(region_working, local, resolution), 0.0, 1.0)
    points = transform_points(face.landmarks, matrix)
    hull = face_hull_mask(points, resolution, face_type).astype(np.float32) / 255
    return PreparedFace(matrix, crop, hull, points, region, region_working)


def _learned_in_use(learned: np.ndarray | None, settings: MergeSettings) -> bool:
    return "learned" in settings.mask_parts and learned is not None


def _crop_mask(
    prepared: PreparedFace, predicted: np.ndarray, learned: np.ndarray | None, settings: MergeSettings
) -> np.ndarray:
    """Intersection of the requested masks, in crop space; without a learned one it fades out above the brows."""
    available = {"predicted": predicted, "landmark": prepared.hull, "learned": learned}
    chosen = [available[p] for p in settings.mask_parts if available.get(p) is not None]
    mask = np.minimum.reduce(chosen) if chosen else prepared.hull
    if _learned_in_use(learned, settings):
        return mask  # the learned mask already keeps hair out and the forehead's skin in
    return mask * forehead_fade(prepared.landmarks, mask.shape[0], settings.forehead)


def _occluders(
    prepared: PreparedFace, learned: np.ndarray | None, own: np.ndarray | None, settings: MergeSettings
) -> np.ndarray | None:
    """What stands in front of the face (crop space, 0..1), where the model gives its reconstruction and the
    settings ask for the cue; else None."""
    if own is None or not settings.finds_occluders(_learned_in_use(learned, settings)):
        return None
    return occlusion_map(prepared.crop, own, prepared.hull, settings.occlusion_threshold)


def _glasses(prepared: PreparedFace, learned: np.ndarray | None, settings: MergeSettings) -> np.ndarray | None:
    """The plate's glasses over ``prepared.region`` (0..1), where the settings keep what is in front of the face
    (the same switch as the occlusion cue); None without glasses."""
    if not settings.finds_occluders(_learned_in_use(learned, settings)):
        return None
    region = prepared.region
    on_plate = transform_points(prepared.landmarks, invert_matrix(prepared.matrix))
    return glasses_map(prepared.region_working, on_plate - np.array([region.x0, region.y0], np.float64))


def _plate_px_per_crop_px(prepared: PreparedFace) -> float:
    return 1.0 / matrix_scale(prepared.matrix)


def _occluders_on_plate(prepared: PreparedFace, occluders: np.ndarray) -> np.ndarray:
    """The crop-space occluder map over ``prepared.region``, its edge snapped to the plate's within about
    two model pixels."""
    on_plate = np.clip(warp_to_plate(occluders, prepared.matrix, prepared.region), 0.0, 1.0)
    return snap_to_edges(on_plate, prepared.region_working, max(1, int(round(2 * _plate_px_per_crop_px(prepared)))))


def _with_plate_detail(face: np.ndarray, prepared: PreparedFace, skin: np.ndarray, amount: float) -> np.ndarray:
    """``face`` (over the region) with ``amount`` of the plate's fine detail added over ``skin`` (crop space)
    outside the brows, eyes and mouth, whose fine lines would carry the plate's person into the swap."""
    size = skin.shape[0]
    features = parts_mask(prepared.landmarks, size, grow=0.4, parts=FEATURES).astype(np.float32) / 255
    features = cv2.GaussianBlur(features, (0, 0), sigmaX=max(1.0, size / 64))
    weight = warp_to_plate(np.clip(skin * (1.0 - features), 0.0, 1.0) * amount, prepared.matrix, prepared.region)
    detail = plate_detail(prepared.region_working, _plate_px_per_crop_px(prepared))
    return np.clip(face + np.clip(weight, 0.0, 1.0)[..., None] * detail, 0.0, 1.0)


class MergedFace(NamedTuple):
    colours: np.ndarray  # the face in the plate's colour space, over the face's region
    matte: np.ndarray  # its shaped matte, over the same region
    glasses: bool  # the plate's glasses were kept in front of it


def merge_face(
    prepared: PreparedFace,
    generated: np.ndarray,
    predicted: np.ndarray,
    learned: np.ndarray | None,
    settings: MergeSettings,
    colour: ColourTransform,
    seed: int,
    own: np.ndarray | None = None,
) -> MergedFace:
    """The face's colours and matte over ``prepared.region``; ``own``: the destination's reconstruction of the
    crop (the occlusion cue), where the model exports one. What stands in front of the face (that cue's
    occluders, the plate's glasses) is taken out of the matte."""
    mask = _crop_mask(prepared, predicted, learned, settings).astype(np.float32)
    occluders = _occluders(prepared, learned, own, settings)
    skin = mask if occluders is None else mask * (1.0 - occluders)
    # Statistics from the skin inside the mask only, on both sides (a prop in front of the chin is
    # inside the mask but not skin), and the transfer clipped: see render.colour_transfer.
    face = transfer_colour(settings.colour_transfer, generated, prepared.crop, skin, skin)
    region = prepared.region
    face_plate_px = np.clip(
        warp_to_plate(face.astype(np.float32), prepared.matrix, region), 0.0, 1.0
    )  # no bicubic overshoot
    matte = shape_matte(warp_to_plate(mask, prepared.matrix, region), settings.erode_px, settings.feather_px)
    if occluders is not None:  # after the shaping: erode and feather set the face's outline, not the occluder's edge
        matte *= 1.0 - _occluders_on_plate(prepared, occluders)
    if (glasses := _glasses(prepared, learned, settings)) is not None:
        matte *= 1.0 - glasses
    if settings.blend == "seamless":
        face_plate_px = blend_seamless(face_plate_px, prepared.region_working, matte)
    if settings.detail > 0:
        face_plate_px = _with_plate_detail(face_plate_px, prepared, skin, settings.detail)
    face_plate_px = sharpen(face_plate_px, settings.sharpen)
    if settings.grain:
        face_plate_px = match_grain(face_plate_px, prepared.region_working, matte, seed)
    colours = colour.to_plate(np.ascontiguousarray(face_plate_px, dtype=np.float32))
    return MergedFace(colours, matte, glasses is not None)


def union_region(regions: list[Region]) -> Region:
    return Region(
        min(r.x0 for r in regions), min(r.y0 for r in regions), max(r.x1 for r in regions), max(r.y1 for r in regions)
    )


def layer_over(layer: np.ndarray, area: Region, face: np.ndarray, matte: np.ndarray, region: Region) -> None:
    """Premultiplied 'over' of one face onto the layer (both RGBA over ``area``), in place."""
    ys = slice(region.y0 - area.y0, region.y1 - area.y0)
    xs = slice(region.x0 - area.x0, region.x1 - area.x0)
    alpha = matte[..., None]
    below = layer[ys, xs]
    below[..., :3] = face * alpha + below[..., :3] * (1 - alpha)
    below[..., 3:] = alpha + below[..., 3:] * (1 - alpha)


def tight_region(layer: np.ndarray, area: Region) -> tuple[np.ndarray, Region]:
    """Crop the layer to the bounding box of its non-zero alpha (the EXR data window)."""
    ys, xs = np.nonzero(layer[..., 3] > 0)
    if len(ys) == 0:
        return np.zeros((1, 1, 4), np.float32), Region(0, 0, 1, 1)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    return layer[y0:y1, x0:x1], Region(area.x0 + x0, area.y0 + y0, area.x0 + x1, area.y0 + y1)
