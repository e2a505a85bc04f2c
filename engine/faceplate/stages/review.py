"""Review: the contact sheet of the curated facesets, and manual reject/restore by id.

Decisions given here are stored in ``facesets/<role>/decisions.json`` and applied to the index
at once (without re-scoring); the next ``curate`` run re-scores and applies them again, so a
manual decision always wins over the rules.
"""

from __future__ import annotations

import json
from pathlib import Path

from faceplate.curate.coverage import coverage_html
from faceplate.curate.decisions import Decision, apply_decisions, write_decisions
from faceplate.curate.sheet import write_review
from faceplate.errors import CurateError
from faceplate.stages.curate import COVERAGE_NAME, load_facesets, merged_decisions
from faceplate.workspace import Workspace

REVIEW_DIR = "review"


def review(workspace: Workspace, roles: tuple[str, ...] = ("destination", "source"), decisions: list[Decision] = (),
           out: Path | None = None) -> Path:
    """Apply ``decisions``, then write ``SHOT/review/index.html`` and PNG grids; returns the HTML path."""
    out = Path(out) if out else workspace.root / REVIEW_DIR
    facesets = load_facesets(workspace, roles)
    inputs = {"facesets": [str(fs.folder.relative_to(workspace.root)) for fs in facesets.values()]}
    with workspace.stage_run("review", inputs, {"decisions": len(decisions), "out": str(out)}) as run:
        routed, merged = merged_decisions(facesets, decisions)
        for role, fs in facesets.items():
            apply_decisions(fs.records, merged[role])
            if not fs.kept:
                raise CurateError(f"these decisions would reject every {role} face; nothing was written")
        for role, fs in facesets.items():
            if routed[role]:
                write_decisions(fs.folder, merged[role])
                fs.save()
        page = write_review(out, facesets, _coverage_html(workspace))
        run.outputs = {"html": str(page.relative_to(workspace.root)) if page.is_relative_to(workspace.root) else str(page)}
        run.summary = {role: {"faces": len(fs.records), "kept": len(fs.kept)} for role, fs in facesets.items()}
    return page


def _coverage_html(workspace: Workspace) -> str:
    path = workspace.root / "facesets" / COVERAGE_NAME
    return coverage_html(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else ""
