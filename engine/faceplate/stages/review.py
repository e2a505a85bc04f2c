"""Review: the contact sheet of the curated facesets, and manual reject/restore by id.

Decisions given here are stored in ``facesets/<role>/decisions.json`` and applied to the index
at once (without re-scoring); the next ``curate`` run re-scores and applies them again, so a
manual decision always wins over the rules. The sheet is drawn after the decisions are stored:
a cancel while drawing keeps them, and the next run draws the sheet again.
"""

from __future__ import annotations

from pathlib import Path

from faceplate.curate.coverage import coverage_html
from faceplate.curate.decisions import (
    ReviewSettings,
    apply_decisions,
    collect_decisions,
    load_facesets,
    merged_decisions,
    write_decisions,
)
from faceplate.curate.expression import expression_html
from faceplate.curate.sheet import write_review
from faceplate.curate.source_coverage import read_source_coverage
from faceplate.errors import CurateError
from faceplate.faces.people import read_people
from faceplate.reporting import Meter, Reporter, StageResult, check_cancelled
from faceplate.settings import as_plain_dict, remembered
from faceplate.workspace import Workspace

REVIEW_DIR = "review"
SETTINGS = ReviewSettings


def run(workspace: Workspace, settings: ReviewSettings, reporter: Reporter) -> StageResult:
    """Apply this run's decisions, then write ``SHOT/review/index.html`` and PNG grids (progress per face)."""
    out = Path(settings.out) if settings.out else workspace.root / REVIEW_DIR
    facesets = load_facesets(workspace, settings.roles)
    routed, merged = merged_decisions(facesets, collect_decisions(settings))
    for role, fs in facesets.items():
        apply_decisions(fs.records, merged[role])
        if not fs.kept:
            raise CurateError(f"these decisions would reject every {role} face; nothing was written")
    inputs = {"facesets": [str(fs.folder.relative_to(workspace.root)) for fs in facesets.values()]}
    with workspace.stage_run("review", inputs, as_plain_dict(settings), remembered(settings)) as run:
        check_cancelled(reporter, "before the decisions were stored")
        for role, fs in facesets.items():
            if routed[role]:
                write_decisions(fs.folder, merged[role])
                fs.save()
        meter = Meter(reporter, "review sheet", sum(len(fs.records) for fs in facesets.values()), unit="faces")

        def after_face() -> None:
            meter.advance()
            check_cancelled(reporter, "while drawing the review sheet (the decisions are stored)")

        page = write_review(out, facesets, _coverage_html(workspace), after_face)
        run.outputs = {
            "html": str(page.relative_to(workspace.root)) if page.is_relative_to(workspace.root) else str(page)
        }
        run.summary = {
            role: {
                "faces": len(fs.records),
                "kept": len(fs.kept),
                **({"people": people} if (people := read_people(fs.folder)) else {}),
            }
            for role, fs in facesets.items()
        }
    changed = sum(len(d) for d in routed.values())
    lines = [f"{changed} manual decision(s) stored; the next `faceplate curate` keeps them"] if changed else []
    lines.append(f"review sheet: {page}")
    return StageResult("review", summary=run.summary, outputs=run.outputs, lines=lines, detail=page)


def _coverage_html(workspace: Workspace) -> str:
    """The pose and expression coverage tables curate wrote, when it wrote them."""
    found = read_source_coverage(workspace.root)
    tables = (
        coverage_html(found["pose"]) if found["pose"] else "",
        expression_html(found["expression"]) if found["expression"] else "",
    )
    return "\n".join(table for table in tables if table)
