"""Run the exported mask model with onnxruntime only (no torch): what render and the mask stage use.

``load_mask_session(path)`` opens ``SHOT/masks/xseg.onnx`` on CUDA when onnxruntime offers it and
it actually starts, else on the CPU, and logs which; ``predict_masks`` turns RGB uint8 crops of any
size into float masks of the same size.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from faceplate.errors import MaskError

log = logging.getLogger(__name__)
CUDA, CPU = "CUDAExecutionProvider", "CPUExecutionProvider"


@dataclass
class MaskSession:
    session: ort.InferenceSession
    resolution: int
    face_type: str
    provider: str  # the provider that runs it
    input_name: str


def select_providers(prefer_gpu: bool = True) -> list[str]:
    """CUDA first when onnxruntime has it and an NVIDIA driver is present, else the CPU alone.

    onnxruntime-gpu lists CUDA even on machines without a GPU; asking for it there only prints
    a load error before falling back, so the driver library is checked first.
    """
    available = ort.get_available_providers()
    return [CUDA, CPU] if prefer_gpu and CUDA in available and _has_cuda_driver() else [CPU]


def _has_cuda_driver() -> bool:
    import ctypes

    for name in ("libcuda.so.1", "libcuda.so", "nvcuda.dll"):
        try:
            ctypes.CDLL(name)
            return True
        except OSError:
            continue
    return False


def load_mask_session(path: str | Path, prefer_gpu: bool = True, threads: int = 0) -> MaskSession:
    """Open an exported mask model; MaskError when the file is missing or not a Faceplate mask model."""
    path = Path(path)
    if not path.is_file():
        raise MaskError(f"no mask model at {path}; train one with `faceplate mask SHOT --train`")
    options = ort.SessionOptions()
    options.log_severity_level = 3  # CUDA missing on a CPU machine is expected, not an error to print
    if threads:
        options.intra_op_num_threads = threads
    try:
        session = ort.InferenceSession(str(path), sess_options=options, providers=select_providers(prefer_gpu))
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own untyped errors
        raise MaskError(f"cannot load mask model {path} ({exc})") from exc
    meta = session.get_modelmeta().custom_metadata_map
    if "resolution" not in meta:
        raise MaskError(f"{path} is not a Faceplate mask model (no 'resolution' in its metadata)")
    provider = session.get_providers()[0]
    log.info("mask model %s runs on %s", path.name, "CUDA" if provider == CUDA else "the CPU")
    return MaskSession(session, int(meta["resolution"]), meta.get("face_type", ""), provider, session.get_inputs()[0].name)


def run_mask_model(ms: MaskSession, batch: np.ndarray) -> np.ndarray:
    """Raw model I/O: ``[B, 3, R, R]`` float32 [0, 1] -> ``[B, 1, R, R]`` float32 [0, 1]."""
    return ms.session.run(None, {ms.input_name: np.ascontiguousarray(batch, np.float32)})[0]


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
