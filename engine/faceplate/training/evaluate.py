"""Judging a trained swap on held-back faces: swap the crops through the generator (torch here),
then score them with the shared judge (``faceplate.quality``, no torch) on every measure, beside
the floor: the destination's own reconstruction of the same frames scored the same way.
``judge_swap`` is what the quality test and ``bench/quality.py`` use."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

from faceplate.errors import TrainError
from faceplate.faces.faceset import FaceRecord, Faceset
from faceplate.quality.judge import Judge, Judgement


def crop_landmarks(faceset: Faceset, record: FaceRecord, size: int) -> np.ndarray:
    """The record's landmarks ``[68, 2]`` in a ``size`` x ``size`` copy of its crop."""
    return record.crop_landmarks * (size / faceset.crop_size)


def read_crops(faceset: Faceset, records: list[FaceRecord], size: int) -> np.ndarray:
    """RGB uint8 ``[N, size, size, 3]``."""
    return np.stack(
        [cv2.resize(faceset.read_crop(r, TrainError), (size, size), interpolation=cv2.INTER_AREA) for r in records]
    )


@torch.no_grad()
def swap_crops(generator: torch.nn.Module, crops: np.ndarray, batch: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """(swapped faces uint8 [N, R, R, 3], masks float [N, R, R]) for uint8 crops [N, R, R, 3]."""
    faces, masks = [], []
    for i in range(0, len(crops), batch):
        x = torch.from_numpy(crops[i : i + batch]).permute(0, 3, 1, 2).float() / 255
        face, mask = generator(x)
        faces.append((face.clamp(0, 1) * 255 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).numpy())
        masks.append(mask[:, 0].numpy())
    return np.concatenate(faces), np.concatenate(masks)


def paste_face(crop: np.ndarray, face: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The swapped face blended onto its destination crop with the predicted mask."""
    m = mask[..., None].astype(np.float32)
    return (face.astype(np.float32) * m + crop.astype(np.float32) * (1 - m) + 0.5).astype(np.uint8)


def pasted_swaps(generator: torch.nn.Module, crops: np.ndarray) -> np.ndarray:
    return np.stack([paste_face(c, f, m) for c, f, m in zip(crops, *swap_crops(generator, crops))])


def identity_mean(faceset: Faceset) -> np.ndarray:
    """Mean stored embedding of the faceset's kept faces."""
    return np.mean([r.embedding for r in faceset.kept], axis=0)


@dataclass(frozen=True)
class SwapQuality:
    """A swap judged on held-back destination crops (``swap``: wanted identity = the source's), and
    the floor (``floor``: the destination's own reconstruction, wanted identity = the destination's),
    each on every measure of ``faceplate.quality.measures``."""

    swap: Judgement
    floor: Judgement | None
    plate_to_src: float  # mean embedding distance, unswapped crop -> source identity


def judge_swap(
    generator: torch.nn.Module,
    dst: Faceset,
    src: Faceset,
    held: list[FaceRecord],
    reconstruct: torch.nn.Module | None = None,
    judge: Judge | None = None,
) -> SwapQuality:
    """Swap the ``held`` destination crops with ``generator`` (x -> (face, mask)), paste each with its
    predicted mask, and judge them. ``reconstruct`` (same interface, dst -> dst) gives the floor."""
    judge = judge or Judge()
    res = int(generator.config.resolution)
    crops = read_crops(dst, held, res)
    start = np.stack([crop_landmarks(dst, r, res) for r in held])
    plate_points = judge.refit(crops, start)
    src_mean, dst_mean = identity_mean(src), identity_mean(dst)
    swap = judge.judge(pasted_swaps(generator, crops), crops, start, src_mean, dst_mean, plate_points)
    floor = None
    if reconstruct is not None:
        floor = judge.judge(pasted_swaps(reconstruct, crops), crops, start, dst_mean, src_mean, plate_points)
    plates = judge.embed(crops, plate_points)
    return SwapQuality(swap=swap, floor=floor, plate_to_src=float(np.linalg.norm(plates - src_mean, axis=1).mean()))
