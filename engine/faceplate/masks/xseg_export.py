"""Export the mask model to ONNX: ``[B, 3, R, R]`` RGB [0, 1] -> ``[B, 1, R, R]`` [0, 1], dynamic batch.

The config (resolution, face type, schema) travels in the ONNX ``metadata_props``, so the render
side (``faceplate.masks.xseg.load_mask_session``) needs nothing but the ``.onnx`` file.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from pathlib import Path

import torch

from faceplate.errors import ExportError, MaskError
from faceplate.export.onnx_export import export_module
from faceplate.masks.xseg_model import XSegNet

log = logging.getLogger(__name__)
INPUT_NAME, OUTPUT_NAME = "image", "mask"


def export_onnx(model: XSegNet, path: Path, extra: dict | None = None) -> Path:
    """Write ``path`` atomically through the engine's one export path (parity-checked against torch);
    metadata: schema, resolution, face_type, config (JSON) and ``extra``."""
    config = model.config
    meta = {
        "schema": config.schema,
        "resolution": str(config.resolution),
        "face_type": config.face_type,
        "config": json.dumps(asdict(config)),
        "producer": "faceplate.mask",
    }
    meta.update({k: str(v) for k, v in (extra or {}).items()})
    example = torch.rand(2, 3, config.resolution, config.resolution)
    try:
        report = export_module(model.cpu().eval(), example, path, [INPUT_NAME], [OUTPUT_NAME], meta)
    except ExportError as exc:
        raise MaskError(f"could not export the mask model to ONNX: {exc}") from exc
    log.info("mask model exported to %s", report.path)
    return report.path
