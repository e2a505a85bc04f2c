"""Export the trained dst->src generator (face RGB + mask, and the destination's own reconstruction
for render's occlusion cue) and, optionally, the .dfm contract (face and mask only).

The `.dfm` file follows DeepFaceLab/DeepFaceLive's contract so the model also runs there:
input ``in_face:0`` NHWC BGR float 0..1; outputs ``out_face_mask:0``, ``out_celeb_face:0``,
``out_celeb_face_mask:0`` (NHWC, BGR for the face).
"""

from __future__ import annotations

import copy

import torch

from faceplate.export.contract import generator_metadata
from faceplate.export.onnx_export import ExportReport, export_module
from faceplate.models.generator import ReconstructingGenerator

FP16_TOLERANCE = 2e-2  # half precision drifts ~1e-3 per layer; more than this means a broken export


class HalfPrecision(torch.nn.Module):
    """A half-precision copy of a generator with float32 input and outputs: on CUDA it moves and
    multiplies half the bytes, while callers keep one interface for both files."""

    def __init__(self, generator: torch.nn.Module):
        super().__init__()
        self.generator = copy.deepcopy(generator).half()

    def forward(self, face: torch.Tensor):
        return tuple(out.float() for out in self.generator(face.half()))


def export_generator(
    generator: torch.nn.Module,
    config,
    meta: dict,
    path,
    precision: str = "fp32",
    provenance: dict[str, str] | None = None,
) -> ExportReport:
    """Export ``generator`` in ``precision`` (fp32, or fp16 for CUDA); parity is always measured
    against the float32 PyTorch generator, so the report says what fp16 costs. ``provenance``
    (``faceplate/*`` attributes) joins the model's metadata_props."""
    example = torch.rand(2, 3, config.resolution, config.resolution)
    full = ReconstructingGenerator(generator)
    module = HalfPrecision(full) if precision == "fp16" else full
    metadata = generator_metadata(config, meta) | {"precision": precision} | (provenance or {})
    tolerance = FP16_TOLERANCE if precision == "fp16" else 1e-4
    outputs = ["swapped", "mask", "reconstruction"]
    return export_module(module, example, path, ["face"], outputs, metadata, tolerance=tolerance, reference=full)


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
