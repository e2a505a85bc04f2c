"""Sort orders for a curated faceset (what an artist scrolls through in the review sheet).

``yaw`` and ``pitch`` ascending; ``blur`` sharpest last (blurriest first, to look at);
``identity`` farthest from the main identity first; ``histogram`` chains each face to its
nearest colour histogram, so look-alike lighting sits together and odd ones stand out.
"""

from __future__ import annotations

import numpy as np

from faceplate.faces.faceset import FaceRecord

SORT_KEYS = ("yaw", "pitch", "blur", "identity", "histogram")


def sort_order(records: list[FaceRecord], key: str, hists: np.ndarray | None = None) -> list[int]:
    """Indices of ``records`` in ``key`` order (``hists`` ``[N, B]`` needed for 'histogram')."""
    if key not in SORT_KEYS:
        raise ValueError(f"unknown sort {key!r}; choose one of {', '.join(SORT_KEYS)}")
    n = len(records)
    if key == "histogram":
        return histogram_chain(hists) if hists is not None and n else list(range(n))
    value = {
        "yaw": lambda r: (r.pose or [0.0])[0],
        "pitch": lambda r: (r.pose or [0.0, 0.0])[1],
        "blur": lambda r: r.blur,
        "identity": lambda r: -(r.scores or {}).get("identity", 0.0),
    }[key]
    return sorted(range(n), key=lambda i: (value(records[i]), records[i].id))


def histogram_chain(hists: np.ndarray) -> list[int]:
    """Greedy nearest-neighbour chain by chi-square-like L1 distance, from the most typical face."""
    hists = np.asarray(hists, np.float32)
    mean = hists.mean(0)
    current = int(np.argmin(np.abs(hists - mean).sum(1)))
    left = np.ones(len(hists), bool)
    order = []
    while True:
        order.append(current)
        left[current] = False
        if not left.any():
            return order
        candidates = np.flatnonzero(left)
        current = int(candidates[np.argmin(np.abs(hists[candidates] - hists[current]).sum(1))])
