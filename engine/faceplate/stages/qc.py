"""Shot QC: measure every rendered frame against the plate and flag the frames a reviewer should see.

Checks the latest published version of the layer (``render/latest.json``) and writes
``SHOT/qc/<version>/qc.json`` (schema ``ShotQc.1``, atomically): the version, the limits it held the
shot to, a per-frame table (plate numbering), the shot's summary and checks, the flagged frame ranges
``[{first, last, reason}]`` and the verdict. A check is redone only when what it reads changed (the
layer frames' render records, the facesets, the limits) or with ``force``. ``gate`` makes a failing
verdict an error (QcGateFailed: the CLI exits non-zero with the verdict line, a farm task fails).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

from faceplate.atomic import write_text_atomic
from faceplate.errors import QcError, QcGateFailed
from faceplate.media.frames import compact_frames, select_frames
from faceplate.qc.measure import layer_path, measure_frames, shot_faces
from faceplate.qc.outcome import failed_checks, qc_file, rendered_layer, verdict_line
from faceplate.qc.settings import QcSettings
from faceplate.qc.verdict import flag_ranges, judge_rows, shot_judgement, shot_summary
from faceplate.reporting import Reporter, StageResult
from faceplate.settings import as_plain_dict, remembered
from faceplate.workspace import Workspace

SETTINGS = QcSettings
SCHEMA = "ShotQc.1"


def run(workspace: Workspace, settings: QcSettings, reporter: Reporter) -> StageResult:
    """Check the requested frames of the latest version; everything is checked before the shot is touched."""
    version, layer = rendered_layer(workspace)
    qc_path = qc_file(version)
    frames = select_frames(settings.frames, workspace.frame_range)
    missing = [f for f in frames if not Path(layer_path(layer, f)).is_file()]
    if missing:
        raise QcError(
            f"layer frames {compact_frames(missing)} are missing ({layer}); run `faceplate render "
            f"{workspace.root}` first"
        )
    out = workspace.root / qc_path
    digest = _inputs_digest(workspace, settings, frames, layer)
    if not settings.force and _previous_digest(out) == digest:
        previous = json.loads(out.read_text(encoding="utf-8"))
        _check_gate(settings, previous)
        return StageResult("qc", "skipped", previous["summary"], {"qc": qc_path}, _lines(previous, out, fresh=False))
    faces = shot_faces(workspace)
    inputs = {"version": version, "layer": layer, "frames": compact_frames(frames)}
    with workspace.stage_run("qc", inputs, as_plain_dict(settings), remembered(settings)) as record:
        measured = measure_frames(workspace, settings, frames, layer, faces, reporter)
        judge_rows(measured.rows, settings)
        judgement = shot_judgement(measured.rows, measured.face_points, measured.plate_points)
        summary = shot_summary(measured.rows, judgement, settings, measured.expression_motion)
        report = {
            "schema": SCHEMA,
            "shot": workspace.manifest.shot,
            "frame_range": compact_frames(frames),
            "version": version,
            "layer": layer,
            "inputs_digest": digest,
            "limits": _limits(settings),
            "summary": summary,
            "flags": flag_ranges(measured.rows),
            "frames": [_row_json(r) for r in measured.rows],
        }
        write_text_atomic(out, json.dumps(report, indent=1, allow_nan=False) + "\n")
        reporter.metrics(
            {name: check["value"] for name, check in summary["checks"].items() if check["value"] is not None}
        )
        record.outputs, record.summary = {"qc": qc_path, "version": version}, summary
    _check_gate(settings, report)
    return StageResult(
        "qc", "done", summary, {"qc": qc_path, "version": version}, _lines(report, out, fresh=True), report
    )


def _check_gate(settings: QcSettings, report: dict) -> None:
    if settings.gate and not report["summary"]["passed"]:
        raise QcGateFailed(verdict_line(report) + " (the QC gate is on: --gate)")


def _limits(settings: QcSettings) -> dict:
    return {k: v for k, v in as_plain_dict(settings).items() if k not in ("frames", "force", "gate")}


def _inputs_digest(workspace: Workspace, settings: QcSettings, frames: list[int], layer: str) -> str:
    """What the check reads: each layer frame (its render record, size and time), the facesets, the limits."""
    digest = hashlib.sha256(json.dumps([_limits(settings), frames, layer], sort_keys=True).encode())
    records = Path(layer).parent.parent / "records"
    name = Path(layer).name.split(".")[0]
    for frame in frames:
        record, stat = records / f"{name}.{frame:04d}.json", Path(layer_path(layer, frame)).stat()
        digest.update(record.read_bytes() if record.is_file() else b"no record")
        digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    for role in ("destination", "source"):
        index = workspace.faceset_dir(role) / "index.jsonl"
        digest.update(index.read_bytes() if index.is_file() else b"no faceset")
    return digest.hexdigest()[:16]


def _previous_digest(path: Path) -> str | None:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("inputs_digest")
    except (OSError, ValueError, AttributeError):
        return None


def _row_json(row) -> dict:
    out = dataclasses.asdict(row)
    for key, value in out.items():
        if isinstance(value, float):
            out[key] = round(value, 4) if value == value and abs(value) != float("inf") else None
    return out


def _lines(report: dict, path: Path, fresh: bool) -> list[str]:
    summary = report["summary"]
    verdict = "passes" if summary["passed"] else f"fails {', '.join(failed_checks(summary))}"
    lines = [
        f"qc {'' if fresh else '(up to date) '}{summary['frames_measured']}/{summary['frames']} frames measured: "
        f"shot {verdict}; {summary['frames_flagged']} frame(s) flagged"
    ]
    motion, least = summary.get("expression_motion"), report["limits"]["min_expression_motion"]
    if motion is not None and motion < least:
        lines.append(f"  expression not checked: the plate's face barely changes shape ({motion:.4f} < {least:g})")
    lines += [f"  {f['first']}-{f['last']}: {f['reason']}" for f in report["flags"][:10]]
    if len(report["flags"]) > 10:
        lines.append(f"  ... {len(report['flags']) - 10} more flagged range(s) in {path}")
    lines.append(verdict_line(report))
    lines.append(f"qc {path}")
    return lines
