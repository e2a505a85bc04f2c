"""The outcome of a shot's QC, as everyone shows it: where a layer version's results are, the verdict line,
and the verdict on the latest version (the job's state in the API and dashboard, the hosts' message and
markers). Imports no numpy or OpenCV: the server reads it for every job it lists.
"""

from __future__ import annotations

import json
from pathlib import Path

from faceplate.errors import QcError
from faceplate.render.versions import latest_version, list_versions, read_version, version_paths


def qc_file(version: str) -> str:
    """Where the QC results of a layer version go, relative to the shot."""
    return f"qc/{version}/qc.json"


def rendered_layer(workspace) -> tuple[str, str]:
    """(version, layer pattern) of the latest published version, in this shot folder (a moved shot still
    finds it); QcError when no version is published yet."""
    render_dir = workspace.root / "render"
    version = latest_version(render_dir)
    if version is None:
        waiting = [v for v in list_versions(render_dir) if not (read_version(render_dir, v) or {}).get("published")]
        why = f"{waiting[-1]} is not published yet (frames are missing)" if waiting else "nothing was rendered"
        raise QcError(
            f"{workspace.root} has no published layer version to check ({why}); run `faceplate render "
            f"{workspace.root}` first"
        )
    return version, version_paths(render_dir, version, {}).layer_pattern


def failed_checks(summary: dict) -> list[str]:
    return [name for name, check in summary["checks"].items() if not check["pass"]]


def verdict_line(report: dict) -> str:
    """The verdict as one line, e.g. ``QC FAIL v002: fails identity_share, flicker; 12 frame(s) flagged in 3
    range(s)``."""
    summary = report["summary"]
    failed = failed_checks(summary)
    head = f"QC {'PASS' if summary['passed'] else 'FAIL'} {report.get('version', '')}".rstrip()
    detail = f"fails {', '.join(failed)}" if failed else "every check passes"
    return f"{head}: {detail}; {summary['frames_flagged']} frame(s) flagged in {len(report['flags'])} range(s)"


def shot_verdict(root: Path) -> dict | None:
    """The QC verdict on the latest published version of the shot at ``root`` (None until that version is
    checked): ``{version, passed, failed_checks, flags, line}``, what the API, dashboard and hosts show."""
    render_dir = Path(root) / "render"
    version = latest_version(render_dir)
    try:
        report = json.loads((Path(root) / qc_file(version)).read_text(encoding="utf-8")) if version else None
    except (OSError, ValueError):
        return None
    if not report:
        return None
    return {
        "version": version,
        "passed": bool(report["summary"]["passed"]),
        "failed_checks": failed_checks(report["summary"]),
        "flags": report.get("flags", []),
        "frames_flagged": report["summary"].get("frames_flagged", 0),
        "line": verdict_line(report),
    }
