"""Send the selected plates to the engine and bring the layers back, without freezing Nuke.

Each job is followed on its own worker thread (``follow_job``) with a ``nuke.ProgressTask``: Foundry's
reference (nuke.ProgressTask: ``setProgress(i)``, ``setMessage(s)``, ``isCancelled()`` "True if the
user has requested the task to be cancelled") and its threading example create and update the task
from the worker thread. Nodes are touched only on the main thread, through
``nuke.executeInMainThread(call, args)`` ("Execute the callable 'call' ... in Nuke's main thread and
return immediately"): the placement and any error message. While a job with layer previews trains, each
``preview_layer`` event queues the newest preview's placement (``place_preview``) the same way.

Each job sent is remembered in the script (``hosts/follow.py`` records, JSON in a hidden ``faceplate_jobs``
String_Knob added to the Root node: user knobs are written to the .nk unless flagged DO_NOT_WRITE; INVISIBLE only
keeps it off the panel), marked placed on the main thread once its layer is placed. After Nuke restarts, the
saved script's Faceplate > Follow unfinished jobs (``follow_unfinished``) follows every remembered job whose layer
is not placed and places each as it finishes. The knob is read with ``getText()``: a String_Knob's ``value()``
is its text evaluated as Tcl (Foundry: "Get the evaluated value"), which the JSON's brackets would break.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Optional

from faceplate_host.client import FINISHED, EngineClient, EngineError
from faceplate_host.hosts.follow import cancelled_message, mark_placed, remember, unplaced
from faceplate_host.hosts.nuke.adapter import NukeAdapter
from faceplate_host.hosts.progress import event_fraction
from faceplate_host.jobs import (
    ShotJob,
    event_text,
    placed_message,
    placement_for,
    preview_placement_for,
    preview_settings,
    require_done,
    submit_shot,
)
from faceplate_host.shots import ShotError

JOBS_KNOB = "faceplate_jobs"  # the Root knob remembering the jobs this script sent


def shots_folder(nuke: Any) -> str:
    """Where new shot workspaces go: FACEPLATE_SHOTS, else a ``faceplate_shots`` folder beside the script."""
    if os.environ.get("FACEPLATE_SHOTS"):
        return os.environ["FACEPLATE_SHOTS"]
    script = str(nuke.root()["name"].value() or "")
    return os.path.join(os.path.dirname(script) or os.getcwd(), "faceplate_shots")


def send_selected(
    nuke: Any,
    client: EngineClient,
    sources: list,
    consent_ref: str,
    settings: Optional[dict] = None,
    poll_s: float = 0.5,
    budget: str = "",
    stages: Optional[list] = None,
    preview_every: str = "auto",
) -> list:
    """Submit one job per selected Read (``jobs.submit_shot``, as the pyblish Extract does) with ``budget`` and
    layer previews while it trains (``jobs.preview_settings``; and only ``stages``: a review note's
    ``["render", "qc"]``) and follow each on a worker thread; returns the started threads."""
    adapter = NukeAdapter(nuke)
    settings = preview_settings(settings, budget, preview_every, stages)
    threads = []
    for shot in adapter.collect():
        job = submit_shot(
            client,
            shot.with_(budget=budget),
            sources,
            shots_folder(nuke),
            consent_ref=consent_ref,
            settings=settings,
            stages=stages,
        )
        jobs_knob(nuke).setText(remember(jobs_knob(nuke).getText(), job))
        threads.append(start_following(nuke, client, adapter, job, poll_s))
    return threads


def follow_unfinished(nuke: Any, client: EngineClient, poll_s: float = 0.5) -> list:
    """Re-attach: follow every job this script remembers whose layer is not placed yet (each on its worker
    thread, as a send does); returns the started threads. None waiting: ShotError saying so."""
    jobs = unplaced(jobs_knob(nuke).getText())
    if not jobs:
        raise ShotError("no job of this script is waiting to be placed: send a Read first (Faceplate > Send)")
    adapter = NukeAdapter(nuke)
    return [start_following(nuke, client, adapter, job, poll_s) for job in jobs]


def start_following(nuke: Any, client: EngineClient, adapter: NukeAdapter, job: ShotJob, poll_s: float) -> Any:
    thread = threading.Thread(
        target=follow_in_thread,
        args=(nuke, client, adapter, job, poll_s),
        name=f"faceplate-{job.shot.name}",
        daemon=True,
    )
    thread.start()
    return thread


def jobs_knob(nuke: Any) -> Any:
    """The Root's hidden knob remembering the jobs sent (added on first use)."""
    root = nuke.root()
    knob = root.knob(JOBS_KNOB)
    if knob is None:
        knob = nuke.String_Knob(JOBS_KNOB, "Faceplate jobs")
        knob.setFlag(nuke.INVISIBLE)
        root.addKnob(knob)
    return knob


def mark_done(nuke: Any, job_id: str) -> None:
    """On the main thread: the job's layer is placed (or it was cancelled): not followed again."""
    jobs_knob(nuke).setText(mark_placed(jobs_knob(nuke).getText(), job_id))


def place_and_say(nuke: Any, adapter: NukeAdapter, placement) -> None:
    """On the main thread: place the layer, then tell the artist which version and QC's verdict on it."""
    try:
        adapter.place(placement)
    except ShotError as exc:
        nuke.message(f"Faceplate: {exc}")
        return
    mark_done(nuke, placement.metadata["job"])
    nuke.message(f"Faceplate: {placed_message(placement)}")


def place_preview(nuke: Any, adapter: NukeAdapter, client: EngineClient, job: ShotJob) -> None:
    """On the main thread: the job's newest layer preview, while it still trains (a job that has ended has its
    final layer to place instead). Said on the task's line, not in a dialog."""
    try:
        if client.job(job.job_id)["status"] not in FINISHED:
            adapter.place_preview(preview_placement_for(client, job))
    except (EngineError, ShotError) as exc:
        nuke.message(f"Faceplate: {exc}")


def say_cancelled(nuke: Any, job: ShotJob) -> None:
    mark_done(nuke, job.job_id)
    nuke.message(cancelled_message(job))


def follow_in_thread(nuke: Any, client: EngineClient, adapter: NukeAdapter, job: ShotJob, poll_s: float = 0.5) -> None:
    """The worker thread: progress and cancel through a ProgressTask (its bar closes when the task is released,
    as this function returns), the result on the main thread."""
    task = nuke.ProgressTask(f"Faceplate {job.shot.name}")

    def show(event: dict) -> None:
        fraction, line = event_fraction(event), event_text(event)
        if fraction is not None:
            task.setProgress(int(round(fraction * 100)))
        if line:
            task.setMessage(line)
        if event.get("kind") == "preview_layer":
            nuke.executeInMainThread(place_preview, (nuke, adapter, client, job))

    try:
        final = client.watch(job.job_id, show, poll_s=poll_s, cancelled=task.isCancelled)
        if final["status"] == "cancelled":
            nuke.executeInMainThread(say_cancelled, (nuke, job))
            return
        require_done(final, job.shot)
        nuke.executeInMainThread(place_and_say, (nuke, adapter, placement_for(client, job)))
    except (EngineError, ShotError) as exc:
        nuke.executeInMainThread(nuke.message, (f"Faceplate: {exc}",))
