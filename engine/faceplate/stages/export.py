"""Stage 7a, export: the workspace's trained generator -> ``export/generator.onnx`` (float32, runs
everywhere), optionally ``export/generator.fp16.onnx`` (half precision, chosen by render on CUDA)
and ``export/generator.dfm`` (DeepFaceLab/DeepFaceLive).

Each file is parity-checked against PyTorch before it replaces the previous one: a refused
export keeps the last good model.
"""

from __future__ import annotations

from pathlib import Path

from faceplate.errors import ExportError
from faceplate.export.contract import GENERATOR, GENERATOR_DFM, GENERATOR_FP16, ExportSettings
from faceplate.provenance import model_identity, provenance_attributes, provenance_record
from faceplate.reporting import Meter, Reporter, StageResult, check_cancelled
from faceplate.settings import as_plain_dict, remembered
from faceplate.workspace import Workspace
from faceplate.workspace.consent import Consent
from faceplate.workspace.freshness import check_model_media

SETTINGS = ExportSettings


def _up_to_date(workspace: Workspace, inputs: dict, made: dict):
    """The last done export run when it exported this checkpoint with these settings and its files are all
    still there (a second export would only change the ONNX's provenance, and so every frame's record:
    render would publish a new layer version of the same pixels)."""
    last = next((r for r in reversed(workspace.manifest.stages) if r.stage == "export" and r.status == "done"), None)
    if last is None or last.inputs != inputs or {key: last.parameters.get(key) for key in made} != made:
        return None
    return last if all((workspace.root / path).is_file() for path in last.outputs.values()) else None


def run(workspace: Workspace, settings: ExportSettings, reporter: Reporter) -> StageResult:
    """Export the best (else latest) or given checkpoint, measuring onnxruntime against PyTorch."""
    from faceplate.export.generator_export import export_dfm, export_generator  # torch lives on this side only
    from faceplate.training.checkpoint import load_meta, resolve_checkpoint
    from faceplate.training.restore import load_generator

    source = Path(settings.model) if settings.model else workspace.root / "model"
    if not source.exists():
        raise ExportError(f"no trained model at {source}; run `faceplate train` first or pass --model")
    folder = resolve_checkpoint(source, prefer="best")  # what load_generator exports
    checkpoint = load_meta(folder)  # no weights read: an up-to-date export needs none
    if not settings.model:
        check_model_media(
            workspace.manifest,
            checkpoint.get("media", ""),
            f"the shot's model {source}",
            f"train a new one: `faceplate train {workspace.root} --no-resume`",
        )
    # what the files are made from: the checkpoint, by the train run and iteration that wrote it
    inputs = {
        "model": str(source),
        "checkpoint": str(folder),
        "iterations": checkpoint["iteration"],
        "run_id": checkpoint.get("run_id", ""),
    }
    made = remembered(settings)
    if not settings.force and (last := _up_to_date(workspace, inputs, made)) is not None:
        return StageResult(
            "export",
            "skipped",
            summary=dict(last.summary),
            outputs=dict(last.outputs),
            lines=[f"up to date: {last.outputs['onnx']} is iteration {inputs['iterations']} (use --force to redo)"],
        )
    generator, config, meta = load_generator(folder)
    meta = {**meta, "working_space": workspace.manifest.working_space}
    out = workspace.root / "export"
    files = 1 + settings.fp16 + settings.dfm
    with workspace.stage_run("export", inputs, as_plain_dict(settings), made) as run:
        run.provenance = _provenance(workspace, meta, run)
        provenance = provenance_attributes(run.provenance)
        meter = Meter(reporter, "export", files, unit="files")
        report = export_generator(generator, config, meta, out / GENERATOR, provenance=provenance)
        meter.advance()
        result = StageResult(
            "export",
            outputs={"onnx": str(report.path.relative_to(workspace.root))},
            summary={"max_abs_diff": report.max_abs_diff, "iterations": meta.get("iterations")},
        )
        result.lines.append(
            f"exported {report.path} from iteration {meta.get('iterations')} "
            f"(max |onnxruntime - torch| {report.max_abs_diff:.2e})"
        )
        half = out / GENERATOR_FP16
        if settings.fp16:
            check_cancelled(reporter, "before the fp16 export")
            half_report = export_generator(generator, config, meta, half, precision="fp16", provenance=provenance)
            meter.advance()
            result.outputs["fp16"] = str(half.relative_to(workspace.root))
            result.summary["fp16_max_abs_diff"] = half_report.max_abs_diff
            result.lines.append(
                f"exported {half} (fp16; max |onnxruntime - torch fp32| {half_report.max_abs_diff:.2e})"
            )
        else:
            half.unlink(missing_ok=True)  # a half copy of an older model must not be rendered
        if settings.dfm:
            check_cancelled(reporter, "before the .dfm export")
            dfm_report = export_dfm(generator, config, meta, out / GENERATOR_DFM)
            meter.advance()
            result.outputs["dfm"] = str(dfm_report.path.relative_to(workspace.root))
            result.lines.append(f"exported {dfm_report.path}")
        run.outputs, run.summary = result.outputs, result.summary
    return result


def _provenance(workspace: Workspace, meta: dict, run) -> dict:
    """What the ONNX file says about itself: the checkpoint (its own sha256 cannot be inside it), the shot's
    media, history and consent reference (or that it has none: only render needs one)."""
    model = model_identity(
        None,
        {
            "config_hash": meta.get("config_hash"),
            "iterations": str(meta.get("iterations", "")),
            "run_id": meta.get("run_id"),
        },
        None,
    )
    model["checkpoint"] = meta.get("checkpoint")
    return provenance_record(workspace.manifest, Consent(workspace.manifest.consent_ref), model, run)
