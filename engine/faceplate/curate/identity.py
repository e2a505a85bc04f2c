"""The faceset's dominant identity: the densest cluster of face embeddings, and distances to it.

The seed is the embedding with the most neighbours within ``radius``; the identity is the
mean of those neighbours. Video facesets repeat an embedding for many frames (identity is
re-checked every N frames), so duplicates are folded before the neighbour count, and at most
``sample`` distinct embeddings take part in the seed search (a 10,000-face set stays cheap).
"""

from __future__ import annotations

import numpy as np

CLUSTER_RADIUS = 0.45  # dlib embeddings: same person is < 0.6 pairwise; a tight cluster is tighter


def dominant_identity(
    embeddings: np.ndarray, radius: float = CLUSTER_RADIUS, sample: int = 2000, seed: int = 0
) -> tuple[np.ndarray, int]:
    """(centre ``[D]``, faces in the cluster) for ``embeddings`` ``[N, D]``."""
    unique, counts = np.unique(np.round(np.asarray(embeddings, np.float32), 5), axis=0, return_counts=True)
    if len(unique) > sample:
        keep = np.random.default_rng(seed).choice(len(unique), sample, replace=False)
        unique, counts = unique[keep], counts[keep]
    near = pairwise_distances(unique, unique) <= radius
    best = int(np.argmax(near.astype(np.float32) @ counts))
    members = near[best]
    centre = np.average(unique[members], axis=0, weights=counts[members])
    centre = centre.astype(np.float32)
    return centre, int((identity_distances(embeddings, centre) <= radius).sum())


def pairwise_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances ``[N, M]`` between rows of ``a`` ``[N, D]`` and ``b`` ``[M, D]``."""
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(sq, 0.0))


def identity_distances(embeddings: np.ndarray, centre: np.ndarray) -> np.ndarray:
    return pairwise_distances(np.asarray(embeddings, np.float32), np.asarray(centre, np.float32)[None])[:, 0]
