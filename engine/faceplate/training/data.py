"""Training data: kept faces of a faceset held in memory at the model resolution, and the
augmented batch for each iteration built on background threads.

A batch is a pure function of (seed, salt, iteration): resume and rollback rebuild exactly the
batches a run would have seen, and workers can build batches ahead in any order.
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from faceplate.errors import TrainError
from faceplate.faces.faceset import FaceRecord, Faceset, read_faceset, read_image_file
from faceplate.masks.landmark_mask import face_hull_mask, parts_mask
from faceplate.training import augment
from faceplate.training.settings import TrainSettings


@dataclass
class FaceData:
    """``images`` uint8 [N, 3, R, R]; ``masks`` uint8 [N, 2, R, R] (face, eyes+mouth)."""

    images: torch.Tensor
    masks: torch.Tensor
    ids: list[str]


@dataclass
class Batch:
    src_in: torch.Tensor  # [B, 3, R, R] warped input
    src_target: torch.Tensor  # [B, 3, R, R] clean target
    src_face: torch.Tensor  # [B, 1, R, R]
    src_em: torch.Tensor  # [B, 1, R, R] eyes and mouth
    dst_in: torch.Tensor
    dst_target: torch.Tensor
    dst_face: torch.Tensor
    dst_em: torch.Tensor

    def to(self, device: torch.device, memory_format=torch.contiguous_format) -> "Batch":
        return Batch(*(t.to(device, non_blocking=True, memory_format=memory_format) for t in vars(self).values()))


def load_faces(folder: Path, resolution: int, min_faces: int = 8, records: list[FaceRecord] | None = None) -> FaceData:
    """Kept faces of the faceset in ``folder`` resized to ``resolution``, with landmark masks
    (or the record's learned mask file where it names one)."""
    faceset = read_faceset(folder)
    kept = records if records is not None else faceset.kept
    if len(kept) < min_faces:
        raise TrainError(
            f"faceset {folder} has {len(kept)} kept faces; training needs at least {min_faces}: "
            "extract more frames or un-reject faces in curation"
        )
    with ThreadPoolExecutor(4) as pool:
        loaded = list(pool.map(lambda r: _load_face(faceset, r, resolution), kept))
    images = torch.from_numpy(np.stack([im for im, _ in loaded])).permute(0, 3, 1, 2).contiguous()
    masks = torch.from_numpy(np.stack([m for _, m in loaded])).contiguous()
    return FaceData(images, masks, [r.id for r in kept])


def _load_face(faceset: Faceset, record: FaceRecord, res: int):
    image = faceset.read_crop(record, TrainError)
    interp = cv2.INTER_AREA if image.shape[0] > res else cv2.INTER_CUBIC
    image = cv2.resize(image, (res, res), interpolation=interp)
    points = record.crop_landmarks * (res / faceset.crop_size)
    face = _learned_mask(faceset, record, res)
    if face is None:
        face = face_hull_mask(points, res, faceset.header.get("face_type", "whole_face"))
    return np.ascontiguousarray(image), np.stack([face, parts_mask(points, res)])


def _learned_mask(faceset: Faceset, record: FaceRecord, res: int) -> np.ndarray | None:
    path = faceset.mask_path(record)
    if path is None:
        return None
    mask = read_image_file(path, cv2.IMREAD_GRAYSCALE)
    if mask is None:
        raise TrainError(f"the mask {path} of face {record.id} is missing or unreadable; re-run `faceplate mask`")
    return cv2.resize(mask, (res, res), interpolation=cv2.INTER_AREA)


def batch_seed(seed: int, salt: int, iteration: int) -> int:
    digest = hashlib.blake2b(f"{seed}/{salt}/{iteration}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") & 0x7FFF_FFFF_FFFF_FFFF


def make_batch(src: FaceData, dst: FaceData, iteration: int, settings: TrainSettings, salt: int = 0) -> Batch:
    gen = torch.Generator().manual_seed(batch_seed(settings.seed, salt, iteration))
    b = settings.batch_size
    si = torch.randint(len(src.ids), (b,), generator=gen)
    di = torch.randint(len(dst.ids), (b,), generator=gen)
    src_img, src_m = src.images[si].float() / 255, src.masks[si].float() / 255
    dst_img, dst_m = dst.images[di].float() / 255, dst.masks[di].float() / 255
    if settings.colour_transfer:
        src_img = augment.transfer_colour(src_img, dst_img, src_m[:, :1], dst_m[:, :1])
    warp = warp_strength(settings, iteration)
    return Batch(
        *_augment_faces(src_img, src_m, gen, settings, warp), *_augment_faces(dst_img, dst_m, gen, settings, warp)
    )


def warp_strength(settings: TrainSettings, iteration: int) -> float:
    """The random warp's share of its full amount: grows linearly over ``warp_ramp`` iterations, so
    the network first learns to reproduce faces and then to undo the warp (the swap's regulariser)."""
    ramp = settings.warp_ramp or 0
    return 1.0 if ramp <= 0 else min(1.0, iteration / ramp)


def _augment_faces(
    images: torch.Tensor, masks: torch.Tensor, gen: torch.Generator, s: TrainSettings, warp: float = 1.0
):
    b, _, res, _ = images.shape
    theta = augment.random_affine(b, gen, flip=s.random_flip)
    grid = torch.nn.functional.affine_grid(theta, [b, 3, res, res], align_corners=False)
    both = augment.sample_grid(torch.cat([images, masks], 1), grid)
    target, masks = both[:, :3], both[:, 3:]
    offsets = augment.warp_offsets(b, res, gen)  # drawn either way: switches don't shift later draws
    if warp < 1.0:
        offsets = offsets * warp
    inputs = augment.sample_grid(images, grid + offsets) if s.random_warp else target
    if s.colour_augment:
        params = augment.jitter_colour(target, gen)
        inputs, target = augment.apply_colour(inputs, params), augment.apply_colour(target, params)
    return inputs.contiguous(), target.contiguous(), masks[:, :1].contiguous(), masks[:, 1:].contiguous()


class BatchStream:
    """Batches for iterations ``start+1, start+2, ...`` built ``depth`` ahead on worker threads."""

    def __init__(
        self,
        src: FaceData,
        dst: FaceData,
        settings: TrainSettings,
        start: int,
        salt: int = 0,
        depth: int = 3,
        pin: bool = False,
    ):
        """``pin``: batches go to a GPU (page-locked memory, more builders when ``settings.workers`` is 0)."""
        self.src, self.dst, self.settings, self.salt, self.pin = src, dst, settings, salt, pin
        self.next_iteration = start + 1
        # auto (0): one builder keeps pace with a CPU step; a GPU step is far shorter and needs several
        workers = settings.workers or (min(4, os.cpu_count() or 1) if pin else 1)
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="batches")
        self.pending: deque = deque()
        self.depth = max(depth, workers + 1)  # every builder busy
        self._fill()

    def _build(self, iteration: int) -> Batch:
        batch = make_batch(self.src, self.dst, iteration, self.settings, self.salt)
        return Batch(*(t.pin_memory() for t in vars(batch).values())) if self.pin else batch

    def _fill(self) -> None:
        while len(self.pending) < self.depth:
            self.pending.append(self.pool.submit(self._build, self.next_iteration))
            self.next_iteration += 1

    def next(self) -> Batch:
        batch = self.pending.popleft().result()
        self._fill()
        return batch

    def close(self) -> None:
        for f in self.pending:
            f.cancel()
        self.pool.shutdown(wait=True, cancel_futures=True)
