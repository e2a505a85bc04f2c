"""Stage 3, curate: score every face, reject by rule with a reason, let manual decisions win.

Nothing is deleted: a rejected face keeps its crop and record (``status='rejected'``, reasons
in the index) and comes back by a manual restore. Every run re-scores from the crops, so it is
idempotent; manual decisions (``facesets/<role>/decisions.json``) are applied last. All facesets
are measured and judged before anything is written, so an error or a cancel leaves the facesets as
they were. The pose coverage report is rewritten on every run.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from faceplate.atomic import write_text_atomic
from faceplate.curate.coverage import COVERAGE_NAME, coverage_report, format_coverage
from faceplate.curate.decisions import (
    DECISIONS_NAME,
    apply_decisions,
    collect_decisions,
    load_facesets,
    merged_decisions,
    write_decisions,
)
from faceplate.curate.expression import EXPRESSION_NAME, expression_report
from faceplate.curate.measure import FacesetMeasures, measure_faceset, record_scores
from faceplate.curate.order import sort_order
from faceplate.curate.rules import CurateSettings, reason_kind, rule_reasons
from faceplate.curate.source_coverage import uncovered_source_lines
from faceplate.errors import CurateError
from faceplate.faces.faceset import INDEX_NAME, Faceset, read_shot_faceset
from faceplate.reporting import Meter, Reporter, StageResult, check_cancelled
from faceplate.settings import as_plain_dict, remembered
from faceplate.workspace import Workspace

SETTINGS = CurateSettings


@dataclass
class CurateResult:
    role: str
    faces: int
    kept: int
    reasons: dict[str, int] = field(default_factory=dict)  # rejected faces per reason kind
    seconds: float = 0.0

    @property
    def faces_per_second(self) -> float:
        return self.faces / self.seconds if self.seconds else 0.0

    def summary(self) -> dict:
        return {
            "faces": self.faces,
            "kept": self.kept,
            "rejected": self.faces - self.kept,
            "reasons": self.reasons,
            "faces_per_second": round(self.faces_per_second, 1),
        }


def run(workspace: Workspace, settings: CurateSettings, reporter: Reporter) -> StageResult:
    """Curate each role's faceset: measure (progress per face), judge, then write the indexes,
    decisions and the pose coverage. Everything is checked before the run is recorded."""
    facesets = load_facesets(workspace, settings.roles)
    _, merged = merged_decisions(facesets, collect_decisions(settings))
    landmarks = _landmark_model(settings)
    inputs = {"facesets": [str(fs.folder.relative_to(workspace.root)) for fs in facesets.values()]}
    with workspace.stage_run("curate", inputs, as_plain_dict(settings), remembered(settings)) as run:
        measured, results = {}, {}
        for role, fs in facesets.items():
            started = time.perf_counter()
            measured[role] = _measure(role, fs, landmarks, reporter)
            results[role] = CurateResult(role, len(fs.records), 0, seconds=time.perf_counter() - started)
        for role, fs in facesets.items():
            started = time.perf_counter()
            _judge(role, fs, measured, merged[role], settings, results[role])
            results[role].seconds += time.perf_counter() - started
        check_cancelled(reporter, "before writing the curated indexes")
        outputs = _write_all(workspace, facesets, merged)
        kept = {
            role: facesets[role].kept if role in facesets else _stored_kept(workspace, role)
            for role in ("source", "destination")
        }
        report = _write_coverage(workspace, kept, outputs)
        expression = _write_expression(workspace, kept, outputs)
        run.outputs, run.summary = outputs, {role: r.summary() for role, r in results.items()}
        if report is not None:
            run.summary["coverage"] = report["covered_fraction"]
        if expression is not None:
            run.summary["expression_coverage"] = expression["covered_fraction"]
    lines = _result_lines(workspace, results, report)
    return StageResult(
        "curate",
        summary=run.summary,
        outputs=outputs,
        detail=results,
        lines=lines[:-1] + uncovered_source_lines(report, expression) + lines[-1:],
    )


def _landmark_model(settings: CurateSettings):
    if "landmarks" not in settings.rules:
        return None
    from faceplate.faces.landmarks import DlibLandmarks68

    return DlibLandmarks68()


def _measure(role: str, fs: Faceset, landmarks, reporter: Reporter) -> FacesetMeasures:
    meter = Meter(reporter, f"measure {role}", len(fs.records), unit="faces")

    def after_face() -> None:
        meter.advance()
        check_cancelled(reporter, f"while measuring the {role} faces (nothing was written)")

    return measure_faceset(fs, landmarks, after_face)


def _result_lines(workspace: Workspace, results: dict[str, CurateResult], report: dict | None) -> list[str]:
    lines = []
    for role, result in results.items():
        s = result.summary()
        why = ", ".join(f"{k} {v}" for k, v in s["reasons"].items()) or "none"
        lines.append(
            f"{role}: kept {s['kept']} of {s['faces']} faces; rejected: {why} ({s['faces_per_second']:.0f} faces/s)"
        )
    if report is not None:
        lines += ["pose coverage (yaw x pitch):", *format_coverage(report).splitlines()]
    lines.append(f"look at the faces: faceplate review {workspace.root}")
    return lines


def _judge(
    role: str,
    fs: Faceset,
    measured: dict[str, FacesetMeasures],
    decisions: dict,
    settings: CurateSettings,
    result: CurateResult,
) -> None:
    m = measured[role]
    other_role = next((r for r in measured if r != role), "")
    other_pose = measured[other_role].pose if other_role else None
    reasons = rule_reasons(m, [r.id for r in fs.records], settings, role, other_pose, other_role)
    for i, record in enumerate(fs.records):
        record.reasons, record.pose = reasons[i], [float(v) for v in m.pose[i]]
        record.scores = record_scores(m, i)
    apply_decisions(fs.records, decisions)
    result.kept = sum(r.kept for r in fs.records)
    result.reasons = dict(Counter(reason_kind(r.reasons[0]) for r in fs.records if not r.kept))
    if result.kept == 0:
        raise CurateError(
            f"every one of the {result.faces} {role} faces would be rejected ({_count_text(result.reasons)}); "
            "nothing was written: loosen the thresholds (e.g. --blur-fraction, --identity-distance), "
            "restore faces by hand, or extract a better range"
        )
    if settings.sort:
        order = sort_order(fs.records, settings.sort, m.hists)
        fs.records[:] = [fs.records[i] for i in order]


def _count_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def _write_all(workspace: Workspace, facesets: dict[str, Faceset], decisions: dict[str, dict]) -> dict:
    outputs = {}
    for role, fs in facesets.items():
        if decisions[role] or (fs.folder / DECISIONS_NAME).is_file():
            write_decisions(fs.folder, decisions[role])
        fs.save()
        outputs[role] = str((fs.folder / INDEX_NAME).relative_to(workspace.root))
    return outputs


def _write_coverage(workspace: Workspace, kept: dict[str, list | None], outputs: dict) -> dict | None:
    """Rewrite ``facesets/coverage.json`` from the kept poses of both facesets, as they are now (a role
    not curated in this run is read from its index); remove it when one has no curated poses, so an
    old report never stands for the current facesets."""
    path = workspace.root / "facesets" / COVERAGE_NAME
    posed = {role: None if records is None else [r for r in records if r.pose] for role, records in kept.items()}
    if any(not records for records in posed.values()):
        path.unlink(missing_ok=True)
        return None
    poses = {role: np.asarray([r.pose for r in records], np.float64).reshape(-1, 3) for role, records in posed.items()}
    report = coverage_report(poses["source"], poses["destination"], [r.frame for r in posed["destination"]])
    write_text_atomic(path, json.dumps(report, indent=1) + "\n")
    outputs["coverage"] = str(path.relative_to(workspace.root))
    return report


def _write_expression(workspace: Workspace, kept: dict[str, list | None], outputs: dict) -> dict | None:
    """Rewrite ``facesets/expression.json`` (see curate.expression) the same way as the pose coverage."""
    path = workspace.root / "facesets" / EXPRESSION_NAME
    if not kept["source"] or not kept["destination"]:
        path.unlink(missing_ok=True)
        return None
    report = expression_report(
        [r.landmarks_array for r in kept["source"]], [(r.frame, r.landmarks_array) for r in kept["destination"]]
    )
    write_text_atomic(path, json.dumps(report, indent=1) + "\n")
    outputs["expression"] = str(path.relative_to(workspace.root))
    return report


def _stored_kept(workspace: Workspace, role: str) -> list | None:
    folder = workspace.faceset_dir(role)
    return read_shot_faceset(workspace, role).kept if (folder / INDEX_NAME).is_file() else None
