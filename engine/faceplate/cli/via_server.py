"""`faceplate run --via-server SHOT`: hand the workspace to the running engine and show its progress here.

The engine does the work (it keeps going if this terminal closes); this command only submits the
job and watches its events through the host client, showing them with the CLI's own bars. The
first Ctrl-C cancels the job (the engine stops it at a safe point, resumable); a second one stops
watching at once.
"""

from __future__ import annotations

import logging
import time

from faceplate.errors import FaceplateError, StageCancelled
from faceplate.stages import PIPELINE
from faceplate.stages.contract import Progress, Reporter

log = logging.getLogger("faceplate.cli.via_server")
FINISHED = ("done", "failed", "cancelled")
POLL_S = 0.5


def run_via_server(shot, changes: dict[str, dict], reporter: Reporter) -> dict:
    """Submit every pipeline stage of ``shot`` with ``changes``; returns the finished job (raises unless done)."""
    from faceplate_host.client import EngineClient, EngineError

    client = EngineClient.local()
    try:
        job = client.submit(str(shot.resolve()), stages=list(PIPELINE), settings={k: v for k, v in changes.items() if v})
        log.info("job %s on the engine at %s (dashboard: %s/); Ctrl-C cancels it", job["id"], client.url, client.url)
        final = _watch(client, job["id"], reporter)
    except EngineError as exc:
        raise FaceplateError(str(exc)) from None
    return _outcome(final)


def _watch(client, job_id: str, reporter: Reporter) -> dict:
    after, asked = 0, False
    while True:
        if reporter.cancelled() and not asked:
            asked = _cancel(client, job_id)
        page = client.events(job_id, after)
        for event in page["events"]:
            _show(event, reporter)
        after = page["next_after"]
        if page["status"] in FINISHED and not page["events"]:
            return client.job(job_id)
        if not page["events"]:
            time.sleep(POLL_S)


def _cancel(client, job_id: str) -> bool:
    from faceplate_host.client import EngineError

    try:
        client.cancel(job_id)
    except EngineError as exc:
        if exc.code != "job_conflict":  # it finished meanwhile: nothing to cancel
            raise
    return True


def _show(event: dict, reporter: Reporter) -> None:
    data, kind, stage = event["data"], event["kind"], event["stage"]
    if kind == "progress":
        reporter.progress(Progress(data["task"], data["done"], data["total"], data["unit"], data["rate"], data["eta_s"]))
    elif kind == "metrics":
        reporter.metrics(data)
    elif kind == "log":
        log.log(_level(data.get("level")), "%s", data["message"])
    elif kind == "stage" and data.get("status") not in (None, "running"):
        log.info("%s %s%s", stage, data["status"], f": {data['message']}" if data.get("message") else "")
        for line in data.get("lines") or []:
            log.info("%s", line)
    elif kind == "job" and data.get("status") == "busy":
        log.warning("%s; the engine tries again every few seconds", data.get("message") or "the shot is busy")


def _level(name) -> int:
    level = logging.getLevelName(str(name or "INFO").upper())
    return level if isinstance(level, int) else logging.INFO


def _outcome(job: dict) -> dict:
    if job["status"] == "done":
        return job
    if job["status"] == "cancelled":
        raise StageCancelled(f"job {job['id']} cancelled; the shot keeps its work: run the same command again, or "
                             "Retry on the dashboard, to resume")
    raise FaceplateError(f"job {job['id']} failed: {job['error']}")
