"""What curate found the source cannot act, read back for the front ends: the pose and expression coverage
reports (``facesets/coverage.json``, ``facesets/expression.json``), who the destination faceset kept
(``people.json``), and the lines that name the plate frames no source face covers. The review sheet and
the dashboard read it here; curate says the same lines when it writes the reports."""

from __future__ import annotations

from pathlib import Path

from faceplate.atomic import read_json
from faceplate.curate.coverage import COVERAGE_NAME, uncovered_pose_line
from faceplate.curate.expression import EXPRESSION_NAME, uncovered_lines
from faceplate.faces.people import read_people


def uncovered_source_lines(pose: dict | None, expression: dict | None) -> list[str]:
    """What the source cannot act, said before training: the plate frames its poses and expressions miss."""
    return (uncovered_pose_line(pose) if pose else []) + (uncovered_lines(expression) if expression else [])


def read_source_coverage(shot: Path) -> dict:
    """``{pose, expression, people, lines}`` of the shot as curate last left it (None where it wrote none)."""
    facesets = shot / "facesets"
    pose, expression = (read_json(facesets / name) for name in (COVERAGE_NAME, EXPRESSION_NAME))
    people = read_people(facesets / "destination") if (facesets / "destination").is_dir() else None
    return {
        "pose": pose,
        "expression": expression,
        "people": people,
        "lines": uncovered_source_lines(pose, expression),
    }
