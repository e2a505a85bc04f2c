"""Synthetic occluders for mask tests: a hand-like patch pasted over part of a face crop.

(A uniquely named module, not conftest, so ``from occluder_helpers import ...`` is unambiguous.)
"""

from __future__ import annotations

import cv2
import numpy as np

from faceplate.masks.landmark_mask import JAW, forehead_points


def hull_polygon(crop_points: np.ndarray, face_type: str) -> np.ndarray:
    """The landmark hull (as ``face_hull_mask`` fills it) as a polygon ``[K, 2]`` in crop pixels."""
    points = np.concatenate([crop_points[JAW], forehead_points(crop_points, face_type)])
    return cv2.convexHull(np.round(points).astype(np.float32))[:, 0].astype(np.float64)


def hand_polygon(crop_points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A palm with four fingers reaching over one side of the lower face, ``[K, 2]`` crop pixels."""
    eyes = np.linalg.norm(crop_points[45] - crop_points[36])
    side = rng.choice([-1.0, 1.0])
    anchor = crop_points[3 if side < 0 else 13] + rng.uniform(-0.1, 0.1, 2) * eyes
    width, reach = eyes * rng.uniform(0.9, 1.2), eyes * rng.uniform(1.0, 1.3)
    tilt = np.radians(rng.uniform(-25, 25))
    outline = [(-0.5, 0.6), (-0.5, -0.1)]  # palm edge, then fingers across the top (x: across, y: along the reach)
    for f in range(4):
        x0, x1 = -0.5 + f * 0.25, -0.5 + f * 0.25 + 0.2
        tip = -0.55 - 0.25 * np.sin(np.pi * (f + 0.5) / 4)
        outline += [(x0, -0.1), (x0, tip), ((x0 + x1) / 2, tip - 0.06), (x1, tip), (x1, -0.1)]
    outline += [(0.5, -0.1), (0.5, 0.6)]
    local = np.array(outline) * [width, reach]
    rot = np.array([[np.cos(tilt), -np.sin(tilt)], [np.sin(tilt), np.cos(tilt)]])
    # fingers point across the face, towards its centre line
    direction = np.array([[0.0, side], [-side, 0.0]]) @ rot
    return anchor + local @ direction.T


def draw_glasses(image: np.ndarray, points: np.ndarray, colour=(35, 30, 30)) -> tuple[np.ndarray, np.ndarray]:
    """A pair of rimmed glasses on the face at ``points`` (68 landmarks in ``image``'s pixels): an oval frame
    around each eye, its top below the brows, and a bridge between them, ``colour`` (RGB 0..255) lines a
    twentieth of the eyes' spacing thick. Returns (a copy of ``image`` wearing them, their pixels' mask uint8)."""
    right, left = points[36:42].mean(0), points[42:48].mean(0)
    spacing = float(np.linalg.norm(left - right))
    angle = float(np.degrees(np.arctan2(*(left - right)[::-1])))
    thickness = max(2, int(round(0.05 * spacing)))
    axes = (int(round(0.4 * spacing)), int(round(0.24 * spacing)))
    frames = np.zeros(image.shape[:2], np.uint8)
    for centre in (right, left):
        cv2.ellipse(frames, tuple(int(round(c)) for c in centre), axes, angle, 0, 360, 255, thickness)
    lift = 0.05 * spacing
    bridge = [right + [axes[0], -lift], left - [axes[0], lift]]
    cv2.line(frames, *(tuple(int(round(c)) for c in end) for end in bridge), 255, thickness)
    worn = image.copy()
    worn[frames > 0] = colour
    return worn, frames


def paste_occluder(crop: np.ndarray, polygon: np.ndarray, rng: np.random.Generator, colour=None) -> np.ndarray:
    """Fill ``polygon`` with a shaded, noisy ``colour`` (RGB 0..255; default a random skin-or-glove one)
    (RGB uint8 crop in, copy out)."""
    if colour is None:
        colour = rng.uniform([120, 70, 40], [240, 190, 160]) if rng.random() < 0.7 else rng.uniform(20, 235, 3)
    h, w = crop.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    shade = 0.8 + 0.4 * ((xx - polygon[:, 0].mean()) / w)[..., None]
    texture = colour * shade + rng.normal(0, 8, (h, w, 3))
    region = np.zeros((h, w), np.uint8)
    cv2.fillPoly(region, [np.round(polygon).astype(np.int32)], 255, lineType=cv2.LINE_AA)
    alpha = (region.astype(np.float32) / 255.0)[..., None]
    return np.clip(crop * (1 - alpha) + texture * alpha, 0, 255).astype(np.uint8)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a > 127, b > 127
    union = (a | b).sum()
    return float((a & b).sum() / union) if union else 1.0
