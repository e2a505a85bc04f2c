"""Follow a job on the engine through a Reporter: its events shown as if the stages ran here.

Used by `faceplate run --via-server` and the demo, so a remote job and a local run look alike.
Polling and cancelling are the host client's (``EngineClient.watch``); this module only turns the
engine's events back into Reporter calls and the finished job into the engine's errors.
"""

from __future__ import annotations

import logging

from faceplate.errors import FaceplateError, StageCancelled
from faceplate.reporting import Progress, Reporter

log = logging.getLogger(__name__)
POLL_S = 0.5


def follow_job(client, job_id: str, reporter: Reporter) -> dict:
    """Show every event of the job until it finishes; the reporter's cancel cancels the job (once, at a safe
    point on the engine). Returns the job when done; raises StageCancelled or FaceplateError otherwise."""
    final = client.watch(job_id, lambda event: show_event(event, reporter), poll_s=POLL_S, cancelled=reporter.cancelled)
    return job_outcome(final)


def show_event(event: dict, reporter: Reporter) -> None:
    data, kind, stage = event["data"], event["kind"], event["stage"]
    if kind == "progress":
        reporter.progress(
            Progress(data["task"], data["done"], data["total"], data["unit"], data["rate"], data["eta_s"])
        )
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


def job_outcome(job: dict) -> dict:
    if job["status"] == "done":
        return job
    if job["status"] == "cancelled":
        raise StageCancelled(
            f"job {job['id']} cancelled; the shot keeps its work: run the same command again, or "
            "Retry on the dashboard, to resume"
        )
    raise FaceplateError(f"job {job['id']} failed: {job['error']}")
