"""The exported swap generator as render sees it: batches of aligned crops in, faces out."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from faceplate.errors import RenderError
from faceplate.export.contract import READABLE_SCHEMAS
from faceplate.runtime import OnnxModel, open_model

SWAP_OUTPUTS = ("swapped", "mask")


class OnnxGenerator:
    """Runs ``generator.onnx``: RGB crops ``[B, R, R, 3]`` 0..1 -> (faces ``[B, R, R, 3]``, masks ``[B, R, R]``,
    the destination's reconstructions ``[B, R, R, 3]`` or None for a model exported without them)."""

    def __init__(self, path: str | Path, device: str = "auto", reconstruct: bool = True):
        """``reconstruct=False``: the reconstruction is not computed (a render that does not use the
        occlusion cue pays nothing for it)."""
        self.model: OnnxModel = open_model(path, device, outputs=None if reconstruct else SWAP_OUTPUTS)
        meta = self.model.metadata
        if meta.get("schema") not in READABLE_SCHEMAS:
            raise RenderError(
                f"{path} is not a Faceplate generator this engine reads (schema {meta.get('schema')!r}); "
                "export one with `faceplate export`"
            )
        self.resolution = int(meta["resolution"])
        self.face_type = meta["face_type"]
        self.metadata = meta
        self.precision = meta.get("precision", "fp32")
        self.reconstructs = "reconstruction" in self.model.output_names

    def generate(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        batch = np.ascontiguousarray(crops.transpose(0, 3, 1, 2), dtype=np.float32)
        faces, masks, *rest = self.model.run(batch)
        own = rest[0].transpose(0, 2, 3, 1) if rest else None
        return faces.transpose(0, 2, 3, 1), masks[:, 0], own
