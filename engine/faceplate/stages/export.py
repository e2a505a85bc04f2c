"""Stage 7a, export: the workspace's trained generator -> ``export/generator.onnx`` (float32, runs
everywhere), optionally ``export/generator.fp16.onnx`` (half precision, chosen by render on CUDA)
and ``export/generator.dfm`` (DeepFaceLab/DeepFaceLive)."""

from __future__ import annotations

from pathlib import Path

from faceplate.errors import ExportError
from faceplate.export.contract import GENERATOR, GENERATOR_DFM, GENERATOR_FP16
from faceplate.workspace import Workspace


def export(workspace: Workspace, model: str | Path | None = None, dfm: bool = False, fp16: bool = False) -> dict[str, object]:
    """Export the best (else latest) or given checkpoint; returns paths and the measured torch/onnx differences."""
    from faceplate.export.generator_export import export_dfm, export_generator  # torch lives on this side only
    from faceplate.models.generator import load_generator

    source = Path(model) if model else workspace.root / "model"
    if not source.exists():
        raise ExportError(f"no trained model at {source}; run `faceplate train` first or pass --model")
    generator, config, meta = load_generator(source)
    meta = {**meta, "working_space": workspace.manifest.working_space}
    out = workspace.root / "export"
    result: dict[str, object] = {"dfm": None, "fp16": None, "fp16_max_abs_diff": None}
    with workspace.stage_run("export", {"model": str(source)}, {"dfm": dfm, "fp16": fp16}) as run:
        report = export_generator(generator, config, meta, out / GENERATOR)
        run.outputs = {"onnx": str(report.path.relative_to(workspace.root))}
        run.summary = {"max_abs_diff": report.max_abs_diff, "iterations": meta.get("iterations")}
        result |= {"onnx": report.path, "max_abs_diff": report.max_abs_diff}
        half = out / GENERATOR_FP16
        if fp16:
            half_report = export_generator(generator, config, meta, half, precision="fp16")
            run.outputs["fp16"] = str(half.relative_to(workspace.root))
            run.summary["fp16_max_abs_diff"] = half_report.max_abs_diff
            result |= {"fp16": half, "fp16_max_abs_diff": half_report.max_abs_diff}
        else:
            half.unlink(missing_ok=True)  # a half copy of an older model must not be rendered
        if dfm:
            dfm_report = export_dfm(generator, config, meta, out / GENERATOR_DFM)
            run.outputs["dfm"] = str(dfm_report.path.relative_to(workspace.root))
            result["dfm"] = dfm_report.path
    return result
