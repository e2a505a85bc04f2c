"""Run the exported mask model with onnxruntime only (no torch): what render and the mask stage use.

``load_mask_session(path)`` opens ``SHOT/masks/xseg.onnx`` through ``faceplate.runtime`` (CUDA when it
really works, else the CPU, logged); ``predict_masks`` turns RGB uint8 crops of any
size into float masks of the same size.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from faceplate.errors import InferenceError, MaskError
from faceplate.runtime import OnnxModel, open_model


@dataclass
class MaskSession:
    model: OnnxModel
    resolution: int
    face_type: str

    @property
    def provider(self) -> str:  # the provider that runs it
        return self.model.provider


def load_mask_session(path: str | Path, prefer_gpu: bool = True, threads: int = 0) -> MaskSession:
    """Open an exported mask model; MaskError when the file is missing or not a Faceplate mask model."""
    path = Path(path)
    if not path.is_file():
        raise MaskError(f"no mask model at {path}; train one with `faceplate mask SHOT --train`")
    try:
        model = open_model(path, "auto" if prefer_gpu else "cpu", threads or None)
    except InferenceError as exc:
        raise MaskError(f"cannot load mask model {path} ({exc})") from exc
    if "resolution" not in model.metadata:
        raise MaskError(f"{path} is not a Faceplate mask model (no 'resolution' in its metadata)")
    return MaskSession(model, int(model.metadata["resolution"]), model.metadata.get("face_type", ""))


def run_mask_model(ms: MaskSession, batch: np.ndarray) -> np.ndarray:
    """Raw model I/O: ``[B, 3, R, R]`` float32 [0, 1] -> ``[B, 1, R, R]`` float32 [0, 1]."""
    return ms.model.run(np.ascontiguousarray(batch, np.float32))[0]


def predict_masks(ms: MaskSession, crops: list[np.ndarray] | np.ndarray) -> np.ndarray:
    """RGB uint8 crops ``[B, H, W, 3]`` (all one size) -> masks ``[B, H, W]`` float32 in [0, 1]."""
    crops = list(crops)
    if not crops:
        return np.zeros((0, 0, 0), np.float32)
    h, w = crops[0].shape[:2]
    r = ms.resolution
    batch = np.stack([resize_to(c, r) for c in crops]).astype(np.float32).transpose(0, 3, 1, 2) / 255.0
    out = run_mask_model(ms, batch)[:, 0]
    return np.stack([resize_to(m, w, h) for m in out]).clip(0.0, 1.0)


def resize_to(image: np.ndarray, width: int, height: int | None = None) -> np.ndarray:
    height = height or width
    if image.shape[1] == width and image.shape[0] == height:
        return image
    shrink = image.shape[1] > width
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
