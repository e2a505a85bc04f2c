"""The review report of the latest layer version: ``SHOT/report/<version>/index.html`` (offline: images beside
it) and ``report.json``, from that version's QC results (``faceplate qc``), the shot's training images,
settings and stage history, and the version's provenance."""

from __future__ import annotations

import json

from faceplate.atomic import write_bytes_atomic
from faceplate.errors import QcError
from faceplate.provenance import provenance_record
from faceplate.qc.measure import shot_faces
from faceplate.qc.outcome import qc_file, rendered_layer
from faceplate.qc.plots import metrics_png
from faceplate.qc.report import (
    clear_images,
    copy_training_images,
    reasons_by_measure,
    report_data,
    worst_rows,
    write_page,
    write_worst_frames,
)
from faceplate.qc.settings import ReportSettings
from faceplate.render.versions import read_version
from faceplate.reporting import Meter, Reporter, StageResult, check_cancelled
from faceplate.settings import as_plain_dict, remembered
from faceplate.workspace import Workspace
from faceplate.workspace.consent import Consent

SETTINGS = ReportSettings
REPORT_DIR = "report"


def report_dir(version: str) -> str:
    """Where the report of a layer version goes, relative to the shot."""
    return f"{REPORT_DIR}/{version}"


def run(workspace: Workspace, settings: ReportSettings, reporter: Reporter) -> StageResult:
    version, layer = rendered_layer(workspace)  # refused before anything is written when nothing was rendered
    qc = read_qc(workspace, version)
    faces = shot_faces(workspace)
    folder = report_dir(version)
    out = workspace.root / folder
    with workspace.stage_run(
        "report", {"qc": qc_file(version)}, as_plain_dict(settings), remembered(settings)
    ) as record:
        worst = worst_rows(qc, settings.worst_frames)
        meter = Meter(reporter, "report", 2 + len(worst), unit="images")
        clear_images(out)
        write_bytes_atomic(
            out / "metrics.png", metrics_png(qc["frames"], qc["limits"], reasons_by_measure(qc["limits"]))
        )
        meter.advance()
        check_cancelled(reporter, "while drawing the report")
        shown = write_worst_frames(workspace, layer, worst, faces, out)
        meter.advance(len(shown))
        training = copy_training_images(workspace.root, out, settings.previews)
        data = report_data(workspace, qc, shown, training, shot_provenance(workspace, version))
        page = write_page(out, data)
        meter.advance()
        record.outputs = {"html": f"{folder}/index.html", "json": f"{folder}/report.json", "version": version}
        record.summary = {"passed": data["passed"], "frames_flagged": data["summary"]["frames_flagged"]}
    verdict = "passes every check" if data["passed"] else "fails a check"
    lines = [
        f"report: {version} of the shot {verdict}, {data['summary']['frames_flagged']} frame(s) flagged",
        f"report {page}",
    ]
    return StageResult("report", "done", record.summary, dict(record.outputs), lines, data)


def read_qc(workspace: Workspace, version: str) -> dict:
    path = workspace.root / qc_file(version)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise QcError(f"no QC results at {path}; run `faceplate qc {workspace.root}` first") from None
    except ValueError as exc:
        raise QcError(f"{path} is damaged ({exc}); run `faceplate qc {workspace.root} --force` again") from None


def shot_provenance(workspace: Workspace, version: str) -> dict:
    """What the render that published ``version`` recorded about how the layer was made; a record from the
    manifest (no model) where it recorded none."""
    recorded = (read_version(workspace.root / "render", version) or {}).get("provenance")
    if recorded:
        return recorded
    manifest = workspace.manifest
    return provenance_record(manifest, Consent(getattr(manifest, "consent_ref", None)))
