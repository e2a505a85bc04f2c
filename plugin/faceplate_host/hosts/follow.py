"""Following an engine job from inside a host, and turning its layer into a placement: the same for every host.

A host runs ``follow_job`` on a worker thread (Nuke) or a timer (Blender); it reports progress
through plain callables and stops when the host's cancel button says so, so no host API is touched
here. Only the host's own main-thread call (``adapter.place``) changes the scene.
"""

from __future__ import annotations

import time
from typing import Callable, Optional

from faceplate_host.client import FINISHED, EngineClient, EngineError
from faceplate_host.shots import FrameSpan, LayerPlacement, Shot, ShotError, place_layer

Progress = Callable[[float, str], None]  # (fraction 0-1 of the current stage, a line for the artist)


def progress_line(event: dict) -> Optional[tuple[float, str]]:
    """What a host's progress bar shows for one engine event, or None for events it does not show."""
    data, stage = event.get("data") or {}, event.get("stage") or ""
    if event.get("kind") == "progress":
        fraction = data.get("fraction")
        if fraction is None and data.get("total"):
            fraction = data.get("done", 0) / data["total"]
        return float(fraction or 0.0), f"{stage}: {data.get('task', '')} {data.get('done', '')}/{data.get('total', '?')}"
    if event.get("kind") == "stage":
        return 0.0 if data.get("status") == "running" else 1.0, f"{stage}: {data.get('status', '')}"
    return None


def follow_job(client: EngineClient, job_id: str, on_progress: Progress, is_cancelled: Callable[[], bool],
               poll_s: float = 0.5) -> dict:
    """Poll the job's events until it finishes; asks the engine to cancel once ``is_cancelled()`` turns
    true (the engine stops the stage at its next safe point) and keeps following until it has. Returns
    the finished job."""
    after, cancel_sent = 0, False
    while True:
        if not cancel_sent and is_cancelled():
            client.cancel(job_id)
            cancel_sent = True
        page = client.events(job_id, after)
        for event in page["events"]:
            shown = progress_line(event)
            if shown is not None:
                on_progress(*shown)
        after = page["next_after"]
        if page["status"] in FINISHED and not page["events"]:
            return client.job(job_id)
        if not page["events"]:
            time.sleep(poll_s)


def placement_for_job(client: EngineClient, job: dict, shot: Shot, track_name: str = "faceplate") -> LayerPlacement:
    """Where the finished job's layer goes for ``shot``; one clear line when the job made no layer."""
    if job.get("status") != "done":
        error = job.get("error") or job.get("status")
        raise EngineError(f"the Faceplate job for {shot.name!r} ended {job.get('status')}: {error}", code="job_" +
                          str(job.get("status")))
    layer = client.artifacts(job["id"]).get("layer")
    if not layer or not layer.get("pattern"):
        raise ShotError(f"clip {shot.name!r}: the job finished without a comp layer; run the render stage")
    return place_layer(shot, layer["pattern"], FrameSpan.parse(layer["frame_range"]),
                       track_name=track_name, matte_pattern=(layer.get("matte") or {}).get("path") or "",
                       metadata={"job": job["id"]})
