"""Judging a trained swap on held-back faces: swap crops through the generator, embed them with
dlib's identity model, and measure expression (landmark) agreement. ``judge_swap`` is the one
measure used by the quality test and ``bench/quality.py``."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

from faceplate.errors import TrainError
from faceplate.faces.faceset import Faceset, FaceRecord

EMBED_SIZE = 256  # crops are enlarged to this before embedding (dlib's chip is 150 px)


def crop_landmarks(faceset: Faceset, record: FaceRecord, size: int) -> np.ndarray:
    """The record's landmarks ``[68, 2]`` in a ``size`` x ``size`` copy of its crop."""
    return record.crop_landmarks * (size / faceset.crop_size)


def read_crops(faceset: Faceset, records: list[FaceRecord], size: int) -> np.ndarray:
    """RGB uint8 ``[N, size, size, 3]``."""
    return np.stack([cv2.resize(faceset.read_crop(r, TrainError), (size, size), interpolation=cv2.INTER_AREA)
                     for r in records])


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


@dataclass
class SwapQuality:
    """A swap judged on held-back destination crops. Identity: dlib embeddings of the pasted swaps
    against the mean embedding of each faceset's kept faces. Expression: 68-landmark errors over the
    inter-ocular distance, every landmark set re-detected by the same model on the crop at the model
    resolution (so detector error at that size is on both sides of the ratio)."""

    frames: int
    id_fraction: float  # share of frames whose swap is nearer the source identity than the destination's
    swap_to_src: float  # mean embedding distance, swap -> source identity
    swap_to_dst: float  # mean embedding distance, swap -> destination identity
    plate_to_src: float  # mean embedding distance, unswapped crop -> source identity
    swap_error: float  # landmarks: swap vs its destination crop
    random_error: float  # landmarks: destination crop vs a randomly paired source crop
    floor_error: float | None  # landmarks: the destination's own reconstruction vs its crop
    stored_swap_error: float  # swap vs the faceset's stored (full-resolution) landmarks
    stored_random_error: float  # stored destination vs stored source landmarks
    matched_error: float  # landmarks: destination crop vs the source crop nearest to it (best possible paste)
    self_matched_error: float  # landmarks: destination crop vs the nearest trained destination crop (same identity)
    ideal_error: float  # destination vs its landmarks moved onto the source's mean face shape (an exact swap)

    @property
    def expression_ratio(self) -> float:
        return self.swap_error / self.random_error

    @property
    def matched_ratio(self) -> float:
        """The expression ratio of pasting, for each frame, the source face whose landmarks fit best:
        what the identities' different face shapes cost even with pose and expression matched."""
        return self.matched_error / self.random_error

    @property
    def self_matched_ratio(self) -> float:
        """The same with the destination's own other frames: the pose and expression mismatch of the
        nearest available face, without any identity difference."""
        return self.self_matched_error / self.random_error

    @property
    def ideal_ratio(self) -> float:
        """The expression ratio an exact swap would score: the destination's pose and expression on
        the source's mean face shape, measured against the destination as ``expression_ratio`` is."""
        return self.ideal_error / self.random_error

    @property
    def stored_expression_ratio(self) -> float:
        """Reference = stored landmarks: detector error on a small crop counts against the swap only."""
        return self.stored_swap_error / self.stored_random_error


def identity_mean(faceset: Faceset) -> np.ndarray:
    """Mean stored embedding of the faceset's kept faces."""
    return np.mean([r.embedding for r in faceset.kept], axis=0)


def judge_swap(generator: torch.nn.Module, dst: Faceset, src: Faceset, held: list[FaceRecord],
               reconstruct: torch.nn.Module | None = None, seed: int = 0) -> SwapQuality:
    """Swap the ``held`` destination crops with ``generator`` (x -> (face, mask)) and judge them.
    ``reconstruct`` (same interface, dst -> dst) gives the expression floor."""
    from faceplate.faces.embedding import DlibFaceEmbedder, embedding_distance
    from faceplate.faces.landmarks import DlibLandmarks68

    res = int(generator.config.resolution)
    embedder, landmarker = DlibFaceEmbedder(), DlibLandmarks68()
    crops = read_crops(dst, held, res)
    pasted = np.stack([paste_face(c, f, m) for c, f, m in zip(crops, *swap_crops(generator, crops))])
    stored = [crop_landmarks(dst, r, res) for r in held]
    dst_points = refit_landmarks(landmarker, crops, stored)
    swap_points = refit_landmarks(landmarker, pasted, stored)

    src_mean, dst_mean = identity_mean(src), identity_mean(dst)
    swaps = embed_crops(embedder, pasted, swap_points)
    plates = embed_crops(embedder, crops, dst_points)
    to_src = np.array([embedding_distance(e, src_mean) for e in swaps])
    to_dst = np.array([embedding_distance(e, dst_mean) for e in swaps])

    kept = src.kept
    kept_stored = [crop_landmarks(src, r, res) for r in kept]
    kept_points = refit_landmarks(landmarker, read_crops(src, kept, res), kept_stored)
    picks = np.random.default_rng(seed).integers(len(kept), size=len(held))
    src_stored, src_points = [kept_stored[i] for i in picks], [kept_points[i] for i in picks]
    trained = dst.kept
    trained_points = refit_landmarks(landmarker, read_crops(dst, trained, res), [crop_landmarks(dst, r, res) for r in trained])
    floor = None
    if reconstruct is not None:
        recon = swap_crops(reconstruct, crops)[0]
        floor = _mean_error(dst_points, refit_landmarks(landmarker, recon, stored))
    return SwapQuality(
        frames=len(held), id_fraction=float(np.mean(to_src < to_dst)), swap_to_src=float(to_src.mean()),
        swap_to_dst=float(to_dst.mean()), plate_to_src=float(np.mean([embedding_distance(e, src_mean) for e in plates])),
        swap_error=_mean_error(dst_points, swap_points), random_error=_mean_error(dst_points, src_points),
        floor_error=floor, stored_swap_error=_mean_error(stored, swap_points),
        stored_random_error=_mean_error(stored, src_stored), **expression_baselines(dst_points, kept_points, trained_points))


def expression_baselines(dst_points: list[np.ndarray], src_points: list[np.ndarray],
                         trained_points: list[np.ndarray]) -> dict[str, float]:
    """What the landmark error can reach on this pair: the nearest source face (best paste), the
    nearest trained destination face (no identity change), and an exact swap (each destination
    landmark set moved by the difference of the two identities' mean shapes)."""
    shape_shift = np.mean(src_points, axis=0) - np.mean(trained_points, axis=0)
    return {
        "matched_error": float(np.mean([min(landmark_error(d, s) for s in src_points) for d in dst_points])),
        "self_matched_error": float(np.mean([min(landmark_error(d, t) for t in trained_points) for d in dst_points])),
        "ideal_error": _mean_error(dst_points, [d + shape_shift for d in dst_points]),
    }


def _mean_error(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return float(np.mean([landmark_error(x, y) for x, y in zip(a, b)]))
