"""Stage 7a, export: the workspace's trained generator -> ``export/generator.onnx`` (+ ``.dfm``)."""

from __future__ import annotations

from pathlib import Path

from faceplate.errors import ExportError
from faceplate.export.generator_export import export_dfm, export_generator
from faceplate.workspace import Workspace


def export(workspace: Workspace, model: str | Path | None = None, dfm: bool = False) -> dict[str, object]:
    """Export the latest (or given) checkpoint; returns paths and the measured torch/onnx difference."""
    from faceplate.models.generator import load_generator  # torch lives on this side only

    source = Path(model) if model else workspace.root / "model"
    if not source.exists():
        raise ExportError(f"no trained model at {source}; run `faceplate train` first or pass --model")
    generator, config, meta = load_generator(source)
    meta = {**meta, "working_space": workspace.manifest.working_space}
    out = workspace.root / "export"
    with workspace.stage_run("export", {"model": str(source)}, {"dfm": dfm}) as run:
        report = export_generator(generator, config, meta, out / "generator.onnx")
        run.outputs = {"onnx": str(report.path.relative_to(workspace.root))}
        run.summary = {"max_abs_diff": report.max_abs_diff, "iterations": meta.get("iterations")}
        if dfm:
            dfm_report = export_dfm(generator, config, meta, out / "generator.dfm")
            run.outputs["dfm"] = str(dfm_report.path.relative_to(workspace.root))
    return {"onnx": report.path, "max_abs_diff": report.max_abs_diff, "dfm": out / "generator.dfm" if dfm else None}
