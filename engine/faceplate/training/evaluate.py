"""Judging a trained swap on held-back faces: swap crops through the generator, embed them with
dlib's identity model, and measure expression (landmark) agreement. Used by the quality test and
``bench/quality.py``."""

from __future__ import annotations

import cv2
import numpy as np
import torch

from faceplate.faces.align import transform_points
from faceplate.faces.faceset import Faceset, FaceRecord

EMBED_SIZE = 256  # crops are enlarged to this before embedding (dlib's chip is 150 px)


def crop_landmarks(faceset: Faceset, record: FaceRecord, size: int) -> np.ndarray:
    """The record's landmarks ``[68, 2]`` in a ``size`` x ``size`` copy of its crop."""
    crop_size = int(faceset.header.get("crop_size", 512))
    return transform_points(record.landmarks_array, record.matrix_array) * (size / crop_size)


def read_crops(faceset: Faceset, records: list[FaceRecord], size: int) -> np.ndarray:
    """RGB uint8 ``[N, size, size, 3]``."""
    out = []
    for r in records:
        image = cv2.imread(str(faceset.crop_path(r)), cv2.IMREAD_COLOR)[..., ::-1]
        out.append(cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA))
    return np.stack(out)


@torch.no_grad()
def swap_crops(generator: torch.nn.Module, crops: np.ndarray, batch: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """(swapped faces uint8 [N, R, R, 3], masks float [N, R, R]) for uint8 crops [N, R, R, 3]."""
    faces, masks = [], []
    for i in range(0, len(crops), batch):
        x = torch.from_numpy(crops[i:i + batch]).permute(0, 3, 1, 2).float() / 255
        face, mask = generator(x)
        faces.append((face.clamp(0, 1) * 255 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).numpy())
        masks.append(mask[:, 0].numpy())
    return np.concatenate(faces), np.concatenate(masks)


def paste_face(crop: np.ndarray, face: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The swapped face blended onto its destination crop with the predicted mask."""
    m = mask[..., None].astype(np.float32)
    return (face.astype(np.float32) * m + crop.astype(np.float32) * (1 - m) + 0.5).astype(np.uint8)


def embed_crops(embedder, crops: np.ndarray, landmarks: list[np.ndarray]) -> np.ndarray:
    """Identity vectors ``[N, 128]`` of crops ``[N, R, R, 3]`` with their crop-space landmarks."""
    res = crops.shape[1]
    scale = EMBED_SIZE / res
    out = []
    for crop, points in zip(crops, landmarks):
        big = cv2.resize(crop, (EMBED_SIZE, EMBED_SIZE), interpolation=cv2.INTER_CUBIC)
        out.append(embedder.embed(np.ascontiguousarray(big), points * scale))
    return np.stack(out)


def refit_landmarks(landmark_model, crops: np.ndarray, start: list[np.ndarray]) -> list[np.ndarray]:
    """Landmarks re-detected on each crop (e.g. a swap), starting from the box of ``start``."""
    from faceplate.faces.landmarks import landmarks_box

    res = crops.shape[1]
    scale = EMBED_SIZE / res
    out = []
    for crop, points in zip(crops, start):
        big = np.ascontiguousarray(cv2.resize(crop, (EMBED_SIZE, EMBED_SIZE), interpolation=cv2.INTER_CUBIC))
        out.append(landmark_model.fit(big, landmarks_box(points * scale)) / scale)
    return out


def landmark_error(a: np.ndarray, b: np.ndarray) -> float:
    """Mean 68-point distance between two landmark sets, over the inter-ocular distance of ``a``."""
    interocular = np.linalg.norm(a[36:42].mean(0) - a[42:48].mean(0))
    return float(np.linalg.norm(a - b, axis=1).mean() / max(interocular, 1e-6))
