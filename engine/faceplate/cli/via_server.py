"""`faceplate run --via-server SHOT`: hand the workspace to the running engine and show its progress here.

The engine does the work (it keeps going if this terminal closes); this command only submits the
job and watches its events through the host client, showing them with the CLI's own bars. The
first Ctrl-C cancels the job (the engine stops it at a safe point, resumable); a second one stops
watching at once.
"""

from __future__ import annotations

import logging
import os

from faceplate.errors import FaceplateError
from faceplate.reporting import Reporter
from faceplate.server.follow import follow_job
from faceplate.settings import field_info, is_rooted
from faceplate.stages import PIPELINE, STAGES

log = logging.getLogger(__name__)


def run_via_server(shot, changes: dict[str, dict], reporter: Reporter, budget: str | None = None) -> dict:
    """Submit every pipeline stage of ``shot`` with ``changes`` and ``budget``; returns the finished job (raises
    unless done)."""
    from faceplate_host.client import EngineClient, EngineError

    client = EngineClient.local()
    try:
        settings = {stage: _absolute_paths(stage, v) for stage, v in changes.items() if v}
        job = client.submit(str(shot.resolve()), stages=list(PIPELINE), settings=settings, budget=budget)
        log.info("job %s on the engine at %s (dashboard: %s/); Ctrl-C cancels it", job["id"], client.url, client.url)
        return follow_job(client, job["id"], reporter)
    except EngineError as exc:
        raise FaceplateError(str(exc)) from None


def _absolute_paths(stage: str, changes: dict) -> dict:
    """Files named on this command line are relative to here (the engine would take them relative to its first root)."""
    cls = STAGES[stage].settings_class
    named = {key for key in changes if (info := field_info(cls, key)) is not None and is_rooted(info)}
    return {
        key: os.path.abspath(value) if key in named and isinstance(value, str) else value
        for key, value in changes.items()
    }
