"""Export the trained dst->src generator (face RGB + mask) and, optionally, the .dfm contract.

The `.dfm` file follows DeepFaceLab/DeepFaceLive's contract so the model also runs there:
input ``in_face:0`` NHWC BGR float 0..1; outputs ``out_face_mask:0``, ``out_celeb_face:0``,
``out_celeb_face_mask:0`` (NHWC, BGR for the face).
"""

from __future__ import annotations

import torch

from faceplate.export.onnx_export import ExportReport, export_module
from faceplate.faces.align import TEMPLATE_NAME

SCHEMA = "FaceplateGenerator.1"


def generator_metadata(config, meta: dict) -> dict[str, str]:
    return {
        "schema": SCHEMA, "face_type": config.face_type, "resolution": str(config.resolution),
        "template": TEMPLATE_NAME, "working_space": meta.get("working_space", "sRGB Encoded Rec.709 (sRGB)"),
        "iterations": str(meta.get("iterations", 0)), "config_hash": str(meta.get("config_hash", "")),
        "arch": getattr(config, "arch", ""), "input": "face: [B,3,R,R] RGB 0..1 working space",
        "outputs": "swapped: [B,3,R,R] RGB 0..1; mask: [B,1,R,R] 0..1",
    }


def export_generator(generator: torch.nn.Module, config, meta: dict, path) -> ExportReport:
    example = torch.rand(2, 3, config.resolution, config.resolution)
    return export_module(generator, example, path, ["face"], ["swapped", "mask"], generator_metadata(config, meta))


class DfmContract(torch.nn.Module):
    """Wraps our generator in DeepFaceLive's NHWC/BGR input and output naming."""

    def __init__(self, generator: torch.nn.Module):
        super().__init__()
        self.generator = generator

    def forward(self, in_face: torch.Tensor):
        rgb = in_face.flip(-1).permute(0, 3, 1, 2)  # NHWC BGR -> NCHW RGB
        face, mask = self.generator(rgb)
        face_bgr = face.permute(0, 2, 3, 1).flip(-1)
        mask_nhwc = mask.permute(0, 2, 3, 1)
        return mask_nhwc, face_bgr, mask_nhwc


def export_dfm(generator: torch.nn.Module, config, meta: dict, path) -> ExportReport:
    example = torch.rand(2, config.resolution, config.resolution, 3)  # batch 1 would pin the batch axis
    names = ["out_face_mask:0", "out_celeb_face:0", "out_celeb_face_mask:0"]
    return export_module(DfmContract(generator), example, path, ["in_face:0"], names, generator_metadata(config, meta))
