"""The exported swap generator as render sees it: batches of aligned crops in, faces out."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from faceplate.errors import RenderError
from faceplate.export.contract import SCHEMA
from faceplate.runtime import OnnxModel, open_model


class OnnxGenerator:
    """Runs ``generator.onnx``: RGB crops ``[B, R, R, 3]`` 0..1 -> (faces ``[B, R, R, 3]``, masks ``[B, R, R]``)."""

    def __init__(self, path: str | Path, device: str = "auto"):
        self.model: OnnxModel = open_model(path, device)
        meta = self.model.metadata
        if meta.get("schema") != SCHEMA:
            raise RenderError(
                f"{path} is not a Faceplate generator (schema {meta.get('schema')!r}); "
                "export one with `faceplate export`"
            )
        self.resolution = int(meta["resolution"])
        self.face_type = meta["face_type"]
        self.metadata = meta
        self.precision = meta.get("precision", "fp32")

    def generate(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        batch = np.ascontiguousarray(crops.transpose(0, 3, 1, 2), dtype=np.float32)
        faces, masks = self.model.run(batch)
        return faces.transpose(0, 2, 3, 1), masks[:, 0]
