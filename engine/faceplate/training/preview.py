"""Preview grid and loss-curve PNGs, written atomically into ``SHOT/model/``.

Grid columns: src, src->src, dst, dst->dst, dst->src (the swap), predicted swap mask; one row
per sample.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch

from faceplate.atomic import write_bytes_atomic
from faceplate.errors import TrainError

COLUMNS = ("src", "src->src", "dst", "dst->dst", "dst->src", "mask")


def preview_grid(columns: list[torch.Tensor]) -> np.ndarray:
    """RGB uint8 ``[rows*R, cols*R, 3]`` from a list of ``[B, 1|3, R, R]`` tensors in [0, 1]."""
    cols = [c.detach().float().cpu().expand(-1, 3, -1, -1) for c in columns]
    grid = torch.cat([torch.cat(list(c), 1) for c in cols], 2)  # [3, B*R, cols*R]
    return (grid.clamp(0, 1) * 255 + 0.5).to(torch.uint8).permute(1, 2, 0).numpy()


def write_png(path: Path, rgb: np.ndarray) -> None:
    ok, data = cv2.imencode(".png", np.ascontiguousarray(rgb[..., ::-1]))
    if not ok:
        raise TrainError(f"could not encode preview {path}")
    write_bytes_atomic(path, data.tobytes(), durable=False)


def write_loss_plot(path: Path, history: list[dict]) -> None:
    """Loss curves (src, dst, total; log scale) against iterations."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4), dpi=100)
    ax = fig.add_subplot()
    its = [h["iteration"] for h in history]
    for key in ("src", "dst", "total"):
        ax.plot(its, [h[key] for h in history], label=key, linewidth=1)
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss")
    if history and min(min(h["src"], h["dst"]) for h in history) > 0:
        ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    write_bytes_atomic(path, buffer.getvalue(), durable=False)
