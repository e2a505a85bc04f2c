"""`faceplate run`: every stage of the pipeline in order on one shot, each skipping work already done.

The same ``run_stage`` the CLI subcommands, the server and farm tasks call, with the settings the
shot remembers; ``changes`` (per stage, as a caller would give them to that stage) go on top and
are remembered like any other. The shot stays locked from the first stage to the last, so no
other program slips in between.
"""

from __future__ import annotations

import logging

from faceplate.errors import FaceplateError
from faceplate.reporting import Reporter, StageResult
from faceplate.stages import PIPELINE, consent_stages
from faceplate.workspace import Workspace

log = logging.getLogger(__name__)


def run_all(
    workspace: Workspace, changes: dict[str, dict] | None = None, reporter: Reporter | None = None
) -> dict[str, StageResult]:
    from faceplate.stages.runner import run_stage

    changes = changes or {}
    unknown = sorted(set(changes) - set(PIPELINE))
    if unknown:
        raise FaceplateError(f"no pipeline stage {unknown}; stages: {', '.join(PIPELINE)}")
    results = {}
    with workspace.locked("run"):
        _check_settings(workspace, changes)
        for number, name in enumerate(PIPELINE, 1):
            log.info("%d/%d %s", number, len(PIPELINE), name)
            results[name] = run_stage(workspace, name, changes.get(name), reporter)
            for line in results[name].lines:
                log.info("%s", line)
    return results


def _check_settings(workspace: Workspace, changes: dict[str, dict]) -> None:
    """Refuse at the start, before any stage runs again, a bad setting of any stage (``--iterations nan``) and
    a run whose render would be refused (no consent reference)."""
    from faceplate.stages import get_stage
    from faceplate.workspace.consent import check_consent

    checked = {
        name: workspace.settings_for(name, get_stage(name).settings_class, changes.get(name)) for name in PIPELINE
    }
    for stage in consent_stages(PIPELINE):
        check_consent(workspace.manifest.consent_ref, checked[stage.name].waive_consent, workspace.manifest.shot)
