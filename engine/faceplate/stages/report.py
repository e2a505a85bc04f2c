"""The review report: ``SHOT/report/index.html`` (offline: images beside it) and ``report.json``, from the
shot's QC results (``faceplate qc``), its training images, settings, stage history and provenance."""

from __future__ import annotations

import json

from faceplate.atomic import write_bytes_atomic
from faceplate.errors import QcError
from faceplate.provenance import provenance_record
from faceplate.qc.measure import shot_faces
from faceplate.qc.plots import metrics_png
from faceplate.qc.report import (clear_images, copy_training_images, reasons_by_measure, report_data, worst_rows,
                                 write_page, write_worst_frames)
from faceplate.qc.settings import ReportSettings
from faceplate.settings import as_plain_dict, remembered
from faceplate.stages.contract import Meter, Reporter, StageResult, check_cancelled
from faceplate.stages.qc import QC_FILE, rendered_layer
from faceplate.workspace import Workspace
from faceplate.workspace.consent import Consent

SETTINGS = ReportSettings
REPORT_DIR = "report"


def run(workspace: Workspace, settings: ReportSettings, reporter: Reporter) -> StageResult:
    qc = read_qc(workspace)
    faces = shot_faces(workspace)
    layer = rendered_layer(workspace)  # refused before anything is written when nothing was rendered
    out = workspace.root / REPORT_DIR
    with workspace.stage_run("report", {"qc": QC_FILE}, as_plain_dict(settings), remembered(settings)) as record:
        worst = worst_rows(qc, settings.worst_frames)
        meter = Meter(reporter, "report", 2 + len(worst), unit="images")
        clear_images(out)
        write_bytes_atomic(out / "metrics.png", metrics_png(qc["frames"], qc["limits"],
                                                            reasons_by_measure(qc["limits"])))
        meter.advance()
        check_cancelled(reporter, "while drawing the report")
        shown = write_worst_frames(workspace, layer, worst, faces, out)
        meter.advance(len(shown))
        training = copy_training_images(workspace.root, out, settings.previews)
        data = report_data(workspace, qc, shown, training, shot_provenance(workspace))
        page = write_page(out, data)
        meter.advance()
        record.outputs = {"html": f"{REPORT_DIR}/index.html", "json": f"{REPORT_DIR}/report.json"}
        record.summary = {"passed": data["passed"], "frames_flagged": data["summary"]["frames_flagged"]}
    verdict = "passes every check" if data["passed"] else "fails a check"
    lines = [f"report: the shot {verdict}, {data['summary']['frames_flagged']} frame(s) flagged", f"report {page}"]
    return StageResult("report", "done", record.summary, dict(record.outputs), lines, data)


def read_qc(workspace: Workspace) -> dict:
    path = workspace.root / QC_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise QcError(f"no QC results at {path}; run `faceplate qc {workspace.root}` first") from None
    except ValueError as exc:
        raise QcError(f"{path} is damaged ({exc}); run `faceplate qc {workspace.root} --force` again") from None


def shot_provenance(workspace: Workspace) -> dict:
    """What the last render recorded about how the layer was made; a record from the manifest (no model)
    where that render recorded none."""
    rendered = workspace.manifest.last_made("layer")
    if rendered is not None and rendered.provenance:
        return rendered.provenance
    manifest = workspace.manifest
    return provenance_record(manifest, Consent(getattr(manifest, "consent_ref", None)))
