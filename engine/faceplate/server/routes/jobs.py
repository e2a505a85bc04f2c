"""Jobs: submit, list, get, cancel, retry, delete; what a job made (artifacts, the latest preview)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse, Response

from faceplate.server import jobs as job_actions
from faceplate.server.artifacts import job_artifacts, layer_file, loss_plot_file, movie_file, preview_file, report_file
from faceplate.server.context import EngineContext
from faceplate.server.deps import Engine, require_token
from faceplate.server.schemas import JobSubmit, Retry

router = APIRouter(prefix="/api/jobs", tags=["jobs"], dependencies=[Depends(require_token)])
NOT_CACHED = {"Cache-Control": "no-store"}  # the same URL shows a newer image as training goes
LAYER_TYPES = {".exr": "image/x-exr", ".png": "image/png", ".tif": "image/tiff"}
JobStatus = Literal["queued", "running", "busy", "done", "failed", "cancelled"]


@router.post("", status_code=201)
def submit(body: JobSubmit, engine: Engine) -> dict:
    return job_actions.submit_job(engine, body)


@router.get("")
def list_jobs(
    engine: Engine, status: JobStatus | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> dict:
    return {"jobs": engine.store.list_jobs(status, limit)}


@router.get("/{job_id}")
def get_job(job_id: str, engine: Engine) -> dict:
    return engine.store.get_job(job_id)


@router.post("/{job_id}/cancel")
def cancel(job_id: str, engine: Engine) -> dict:
    return job_actions.cancel_job(engine, job_id)


@router.post("/{job_id}/retry")
def retry(job_id: str, engine: Engine, body: Retry | None = None) -> dict:
    return job_actions.retry_job(engine, job_id, body or Retry())


@router.delete("/{job_id}", status_code=204)
def delete(job_id: str, engine: Engine) -> Response:
    job_actions.delete_job(engine, job_id)
    return Response(status_code=204)


@router.get("/{job_id}/artifacts")
def artifacts(job_id: str, engine: Engine) -> dict:
    return job_artifacts(_job_in_roots(engine, job_id))


@router.get("/{job_id}/preview")
def preview(job_id: str, engine: Engine, stage: str | None = None) -> FileResponse:
    return FileResponse(preview_file(_job_in_roots(engine, job_id), stage), headers=NOT_CACHED)


@router.get("/{job_id}/loss-plot")
def loss_plot(job_id: str, engine: Engine) -> FileResponse:
    """The shot's training loss plot (``model/loss.png``), redrawn as training goes."""
    return FileResponse(loss_plot_file(_job_in_roots(engine, job_id)), headers=NOT_CACHED)


@router.get("/{job_id}/report/{name:path}")
def report(job_id: str, name: str, engine: Engine) -> FileResponse:
    """The review report of the job's latest layer version: ``index.html`` and the images it shows."""
    return FileResponse(report_file(_job_in_roots(engine, job_id), name), headers=NOT_CACHED)


@router.get("/{job_id}/movie")
def movie(job_id: str, engine: Engine) -> FileResponse:
    """The review movie (H.264 MP4) of the job's latest layer version."""
    return FileResponse(movie_file(_job_in_roots(engine, job_id)), media_type="video/mp4", headers=NOT_CACHED)


@router.get("/{job_id}/layer")
def layer(job_id: str, engine: Engine, frame: Annotated[int | None, Query(ge=0, le=10**7)] = None) -> FileResponse:
    """One frame of the job's latest layer version (default: the first), as written (EXR, PNG or TIFF)."""
    path = layer_file(_job_in_roots(engine, job_id), frame)
    return FileResponse(
        path, media_type=LAYER_TYPES.get(path.suffix.lower(), "application/octet-stream"), headers=NOT_CACHED
    )


def _job_in_roots(engine: EngineContext, job_id: str) -> dict:
    """The job, its workspace checked under the roots now: a shot since swapped for a link out is not read."""
    job = engine.store.get_job(job_id)
    engine.roots.resolve(job["workspace"], "workspace")
    return job
