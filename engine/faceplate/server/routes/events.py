"""A job's events (progress, metrics, previews, log lines, state changes), each with an increasing id:
polled (``GET .../events?after=N``, works with urllib) or streamed as server-sent events."""

from __future__ import annotations

import asyncio
from typing import Annotated, AsyncIterator

from fastapi import APIRouter, Depends, Header, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.sse import EventSourceResponse, ServerSentEvent

from faceplate.server.deps import Engine, require_token

router = APIRouter(prefix="/api/jobs", tags=["events"], dependencies=[Depends(require_token)])
FINISHED = ("done", "failed", "cancelled")
POLL_S = 0.25
LOG_KINDS = ("log", "stage", "job")


@router.get("/{job_id}/events")
def events(
    job_id: str,
    engine: Engine,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> dict:
    job = engine.store.get_job(job_id)  # 404 for an unknown job
    found = engine.store.events(job_id, after, limit)
    return {"job": job_id, "status": job["status"], "events": found, "next_after": found[-1]["id"] if found else after}


@router.get("/{job_id}/log")
def log_tail(job_id: str, engine: Engine, lines: Annotated[int, Query(ge=1, le=2000)] = 200) -> dict:
    """The job's latest log lines and stage changes (a long training has far more progress events than a
    page of ``/events`` holds); ``last_event`` is where a stream continues from."""
    job = engine.store.get_job(job_id)
    return {
        "job": job_id,
        "events": engine.store.last_events(job_id, LOG_KINDS, lines),
        "last_event": job["last_event"],
    }


def _known_job(job_id: str, engine: Engine) -> None:
    engine.store.get_job(job_id)  # 404 before the stream starts


@router.get("/{job_id}/stream", response_class=EventSourceResponse, dependencies=[Depends(_known_job)])
async def stream(
    job_id: str,
    engine: Engine,
    after: Annotated[int, Query(ge=0)] = 0,
    last_event_id: Annotated[str | None, Header()] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Events as they happen; ends after the job finishes (a reconnect resumes after Last-Event-ID)."""
    cursor = int(last_event_id) if last_event_id and last_event_id.isdigit() else after
    while True:
        found = await run_in_threadpool(engine.store.events, job_id, cursor, 500)
        for event in found:
            cursor = event["id"]
            yield ServerSentEvent(data=event, event=event["kind"], id=str(event["id"]))
        if not found:
            job = await run_in_threadpool(engine.store.get_job, job_id)
            if job["status"] in FINISHED and job["last_event"] <= cursor:
                return
            await asyncio.sleep(POLL_S)
