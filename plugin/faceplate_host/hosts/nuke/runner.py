"""Send the selected plates to the engine and bring the layers back, without freezing Nuke.

Each job is followed on its own worker thread (``follow_job``) with a ``nuke.ProgressTask``: Foundry's
reference (nuke.ProgressTask: ``setProgress(i)``, ``setMessage(s)``, ``isCancelled()`` "True if the
user has requested the task to be cancelled") and its threading example create and update the task
from the worker thread. Nodes are touched only on the main thread, through
``nuke.executeInMainThread(call, args)`` ("Execute the callable 'call' ... in Nuke's main thread and
return immediately"): the placement and any error message.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Optional

from faceplate_host.client import EngineClient, EngineError
from faceplate_host.hosts.follow import follow_job, placement_for_job
from faceplate_host.hosts.nuke.adapter import NukeAdapter
from faceplate_host.shots import Shot, ShotError


def shots_folder(nuke: Any) -> str:
    """Where new shot workspaces go: FACEPLATE_SHOTS, else a ``faceplate_shots`` folder beside the script."""
    if os.environ.get("FACEPLATE_SHOTS"):
        return os.environ["FACEPLATE_SHOTS"]
    script = str(nuke.root()["name"].value() or "")
    return os.path.join(os.path.dirname(script) or os.getcwd(), "faceplate_shots")


def send_selected(nuke: Any, client: EngineClient, sources: list, settings: Optional[dict] = None,
                  poll_s: float = 0.5) -> list:
    """Submit one job per selected Read and follow each on a worker thread; returns the started threads."""
    adapter = NukeAdapter(nuke)
    threads = []
    for shot in adapter.collect():
        workspace = os.path.join(shots_folder(nuke), shot.name)
        job = client.submit(workspace, settings=settings, shot=shot.engine_shot(sources))
        thread = threading.Thread(target=follow_in_thread, args=(nuke, client, adapter, shot, job["id"], poll_s),
                                  name=f"faceplate-{shot.name}", daemon=True)
        thread.start()
        threads.append(thread)
    return threads


def follow_in_thread(nuke: Any, client: EngineClient, adapter: NukeAdapter, shot: Shot, job_id: str,
                     poll_s: float = 0.5) -> None:
    """The worker thread: progress and cancel through a ProgressTask, the result on the main thread."""
    task = nuke.ProgressTask(f"Faceplate {shot.name}")

    def show(fraction: float, line: str) -> None:
        task.setProgress(int(round(fraction * 100)))
        task.setMessage(line)

    try:
        job = follow_job(client, job_id, show, task.isCancelled, poll_s)
        if job["status"] == "cancelled":
            nuke.executeInMainThread(nuke.message, (f"Faceplate: the job for {shot.name} was cancelled; "
                                                    "finished work is kept and a retry resumes",))
            return
        placement = placement_for_job(client, job, shot)
        nuke.executeInMainThread(adapter.place, (placement,))
    except (EngineError, ShotError) as exc:
        nuke.executeInMainThread(nuke.message, (f"Faceplate: {exc}",))
    finally:
        del task  # the progress bar closes when the task object goes away
