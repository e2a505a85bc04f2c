"""Mask labels from polygon files: include/exclude polygons per crop, in crop or plate pixels.

    {"schema": "FacePolygons.1",
     "labels": [
       {"id": "plate_1001_00", "space": "crop",
        "include": [[[x, y], [x, y], [x, y], ...]], "exclude": [[[x, y], ...]]},
       {"frame": 1012, "source": "plate", "face": 0, "space": "plate", "include": [...]}
     ]}

A label names its crop by ``id`` or by ``frame`` (plus ``source``, default ``plate``, and
``face``, default 0), so roto drawn on the plate in the editor can be imported as it is. Plate
coordinates go through the crop's matrix. The mask is every include polygon filled, minus every
exclude polygon (occluders: hands, hair, glasses). Labels are checked whole before any is used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from faceplate.errors import MaskError
from faceplate.faces.align import transform_points
from faceplate.faces.faceset import FaceRecord, Faceset

SCHEMA = "FacePolygons.1"
MIN_AREA = 4.0  # square crop pixels: smaller polygons are degenerate (a click, a line)


@dataclass
class Label:
    role: str
    record: FaceRecord
    mask: np.ndarray  # uint8 [crop, crop], 255 = face


def read_polygon_file(path: str | Path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise MaskError(f"polygon file {path} does not exist")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise MaskError(f"polygon file {path} is not valid JSON ({exc})") from exc
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise MaskError(f'polygon file {path} needs "schema": "{SCHEMA}" (see docs/curate_and_mask.md)')
    labels = data.get("labels")
    if not isinstance(labels, list) or not labels:
        raise MaskError(f"polygon file {path} has no labels")
    return labels


def load_labels(path: str | Path, facesets: dict[str, Faceset]) -> list[Label]:
    """Rasterised labels; MaskError listing every label that names a missing crop or a bad polygon."""
    by_id = {r.id: (role, fs, r) for role, fs in facesets.items() for r in fs.records}
    by_frame = {(r.source, r.frame, r.face): (role, fs, r) for role, fs in facesets.items() for r in fs.records}
    labels, problems = [], []
    for n, entry in enumerate(read_polygon_file(path)):
        try:
            role, fs, record = _find_crop(entry, by_id, by_frame)
            labels.append(Label(role, record, rasterise_label(entry, record, fs.crop_size)))
        except MaskError as exc:
            problems.append(f"label {n}: {exc}")
    if problems:
        more = f" (and {len(problems) - 8} more)" if len(problems) > 8 else ""
        raise MaskError(f"polygon file {path}: " + "; ".join(problems[:8]) + more + "; nothing was written")
    return labels


def _find_crop(entry: dict, by_id: dict, by_frame: dict):
    if not isinstance(entry, dict):
        raise MaskError("is not an object")
    if "id" in entry:
        found = by_id.get(entry["id"])
        where = f"crop {entry['id']!r}"
    else:
        key = (entry.get("source", "plate"), entry.get("frame"), entry.get("face", 0))
        found = by_frame.get(key)
        where = f"frame {key[1]} of {key[0]} (face {key[2]})"
    if found is None:
        raise MaskError(f"{where} is not in the facesets (missing crop)")
    return found


def rasterise_label(entry: dict, record: FaceRecord, size: int) -> np.ndarray:
    space = entry.get("space", "crop")
    if space not in ("crop", "plate"):
        raise MaskError(f"space {space!r} must be 'crop' or 'plate'")
    include = [_crop_polygon(p, record, space, size) for p in entry.get("include", [])]
    exclude = [_crop_polygon(p, record, space, size) for p in entry.get("exclude", [])]
    if not include:
        raise MaskError("has no include polygon")
    mask = np.zeros((size, size), np.uint8)
    cv2.fillPoly(mask, [np.round(p).astype(np.int32) for p in include], 255, lineType=cv2.LINE_AA)
    if exclude:
        cv2.fillPoly(mask, [np.round(p).astype(np.int32) for p in exclude], 0, lineType=cv2.LINE_AA)
    return mask


def _crop_polygon(points, record: FaceRecord, space: str, size: int) -> np.ndarray:
    try:
        pts = np.asarray(points, np.float64)
    except (ValueError, TypeError) as exc:
        raise MaskError(f"polygon is not a list of [x, y] points ({exc})") from exc
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 3 or not np.isfinite(pts).all():
        raise MaskError(f"degenerate polygon: needs at least 3 finite [x, y] points, got shape {pts.shape}")
    if space == "plate":
        pts = transform_points(pts, record.matrix_array)
    area = 0.5 * abs(float(np.dot(pts[:, 0], np.roll(pts[:, 1], 1)) - np.dot(pts[:, 1], np.roll(pts[:, 0], 1))))
    if area < MIN_AREA:
        raise MaskError(f"degenerate polygon: area {area:.1f} px² in the {size}px crop (points in a line or one spot)")
    return pts


def polygon_entry(
    record_id: str, include: list[np.ndarray], exclude: list[np.ndarray] = (), space: str = "crop"
) -> dict:
    """One label in file form (what an exporter from roto writes)."""
    return {
        "id": record_id,
        "space": space,
        "include": [np.round(p, 2).tolist() for p in include],
        "exclude": [np.round(p, 2).tolist() for p in exclude],
    }


def write_polygon_file(path: str | Path, labels: list[dict]) -> None:
    from faceplate.atomic import write_text_atomic

    write_text_atomic(path, json.dumps({"schema": SCHEMA, "labels": labels}) + "\n")
