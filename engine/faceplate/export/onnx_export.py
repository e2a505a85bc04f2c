"""Export a torch module to ONNX: dynamic batch, metadata_props, atomic write, parity check.

Shared by the swap generator and the learned mask model: one way to export anything we ship.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import torch

from faceplate.atomic import atomic_path
from faceplate.errors import ExportError
from faceplate.export.graph_passes import fold_repeated_conv_inputs
from faceplate.runtime import open_model

log = logging.getLogger(__name__)
OPSET = 18  # runs on onnxruntime CPU and CUDA providers of the versions we support
MAX_IR_VERSION = 10  # newer onnx writes IR versions current onnxruntime refuses


@dataclass
class ExportReport:
    path: Path
    max_abs_diff: float
    metadata: dict[str, str]


def export_module(
    module: torch.nn.Module,
    example: torch.Tensor,
    path: str | Path,
    input_names: list[str],
    output_names: list[str],
    metadata: dict[str, str],
    tolerance: float = 1e-4,
    batch_axis: int = 0,
    reference: torch.nn.Module | None = None,
) -> ExportReport:
    """Export ``module`` (inputs shaped like ``example``) and verify onnxruntime matches PyTorch
    (``reference``, default the module itself: a reduced-precision export is compared with the
    float32 original)."""
    path = Path(path)
    module = module.eval()
    dims = {batch_axis: torch.export.Dim("batch", min=1, max=1024)}
    try:
        with contextlib.redirect_stdout(io.StringIO()), torch.no_grad(), warnings.catch_warnings(), _exporter_quiet():
            warnings.simplefilter("ignore", FutureWarning)  # torch's own deprecations inside the exporter
            program = torch.onnx.export(
                module,
                (example,),
                input_names=input_names,
                output_names=output_names,
                dynamic_shapes=(dims,),
                opset_version=OPSET,
                dynamo=True,
                verbose=False,
            )
    except Exception as exc:  # the exporter raises many unrelated types
        raise ExportError(f"ONNX export of {type(module).__name__} failed: {str(exc).splitlines()[0]}") from exc
    model = program.model_proto
    model.ir_version = min(model.ir_version, MAX_IR_VERSION)
    fold_repeated_conv_inputs(model)  # exact: liae's decoder convs read [x, x]; parity below checks it
    onnx.helper.set_model_props(model, {k: str(v) for k, v in metadata.items()})
    with atomic_path(path) as tmp:
        onnx.save(model, str(tmp))
        diff = parity(reference or module, tmp, example, batch_axis)
        if diff > tolerance:  # raised inside: the temp file goes, the last good export stays
            raise ExportError(
                f"exported {path.name} differs from PyTorch by {diff:.2e} (> {tolerance:.0e}); "
                f"not kept{' (the previous export is unchanged)' if path.exists() else ''}"
            )
    return ExportReport(path, diff, {k: str(v) for k, v in metadata.items()})


@contextlib.contextmanager
def _exporter_quiet():
    """Only the exporter's errors: its warnings (e.g. 'torchvision is not installed. Skipping
    torchvision::nms', from registering operators we never use) are not for artists. torch sets its
    loggers' levels when it is imported, so this is done here, around the export, not at CLI start."""
    chatty = [logging.getLogger(name) for name in ("torch.onnx", "onnxscript", "onnx_ir")]
    levels = [logger.level for logger in chatty]
    for logger in chatty:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(chatty, levels):
            logger.setLevel(level)


def parity(module: torch.nn.Module, onnx_path: Path, example: torch.Tensor, batch_axis: int = 0) -> float:
    """Largest absolute difference between PyTorch and onnxruntime (CPU) on a batch of 3."""
    module = module.eval()
    shape = list(example.shape)
    shape[batch_axis] = 3
    batch = torch.rand(*shape, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = module(batch)
    expected = expected if isinstance(expected, (tuple, list)) else (expected,)
    got = open_model(onnx_path, device="cpu").run(batch.numpy())
    return max(float(np.abs(e.numpy() - g).max()) for e, g in zip(expected, got))
