"""Re-attach in Resolve: the jobs a project sent are remembered, and Workspace > Scripts > Faceplate Follow
follows the ones whose layers are not placed yet (after Resolve restarted, or after the follow window was closed)
and places each as it finishes.

Where they are remembered: Resolve's scripting README offers nothing free-form on a project. ``Project.SetSetting``
/``GetSetting`` take only the project settings the README lists; markers' ``customData`` ("not exposed via UI and
is useful for scripting developers") is one per frame and would collide with QC's markers; a media pool clip's
``SetThirdPartyMetadata`` would scatter the list over the plates. So the records (``hosts/follow.py``, the same
as Blender's scene property and Nuke's Root knob) go to a JSON file named by ``Project.GetUniqueId()`` ("Returns a
unique ID for the project item": it survives renaming the project) in the shots folder, beside the workspaces
the jobs write, and are rewritten atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from faceplate_host.atomic import write_text_atomically
from faceplate_host.client import EngineClient, EngineError
from faceplate_host.hosts.follow import JobFollower, cancelled_message, mark_placed, remember, unplaced
from faceplate_host.hosts.resolve.adapter import ResolveAdapter
from faceplate_host.hosts.resolve.follow_window import follow_jobs
from faceplate_host.jobs import ShotJob, placed_message
from faceplate_host.shots import ShotError

RECORDS_FOLDER = "resolve_projects"  # in the shots folder: <project unique id>.json


def records_file(adapter: ResolveAdapter, shots_dir: str) -> Path:
    return Path(shots_dir) / RECORDS_FOLDER / f"{adapter.project().GetUniqueId()}.json"


def read_records(path: Path) -> Optional[str]:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def remember_jobs(adapter: ResolveAdapter, shots_dir: str, jobs: list) -> None:
    path = records_file(adapter, shots_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = read_records(path)
    for job in jobs:
        text = remember(text, job)
    write_text_atomically(path, text)


def mark_jobs_placed(adapter: ResolveAdapter, shots_dir: str, job_ids: list) -> None:
    """The jobs' layers are placed (or the jobs were cancelled): not followed again."""
    path = records_file(adapter, shots_dir)
    text = read_records(path)
    for job_id in job_ids:
        text = mark_placed(text, job_id)
    if text is not None:
        write_text_atomically(path, text)


def still_running(job: ShotJob) -> str:
    return f"Faceplate: {job.shot.name}: engine job {job.job_id} still runs; the engine's dashboard follows it"


def follow_unfinished(
    adapter: ResolveAdapter, client: EngineClient, scope: dict, shots_dir: str, poll_s: float = 0.5
) -> list:
    """Follow (in the window, as a send does) the remembered jobs of the open timeline whose layers are not placed,
    and place each that finished; the lines to show."""
    timeline = str(adapter.timeline().GetName())
    jobs = unplaced(read_records(records_file(adapter, shots_dir)))
    if not jobs:
        return [
            "Faceplate: no job of this project is waiting to be placed: send a clip first (Workspace > Scripts > Faceplate)"
        ]
    here = [job for job in jobs if job.shot.timeline in ("", timeline)]
    lines = [
        f"Faceplate: {job.shot.name}: engine job {job.job_id} was sent from the timeline {job.shot.timeline!r}; "
        "open that timeline and run Faceplate Follow again"
        for job in jobs
        if job not in here
    ]
    followers = [JobFollower(client, job) for job in here]
    if followers:
        follow_jobs(scope, followers, poll_s=poll_s, place_preview=adapter.place_preview)
    return lines + [place_followed(adapter, shots_dir, follower) for follower in followers]


def place_followed(adapter: ResolveAdapter, shots_dir: str, follower: JobFollower) -> str:
    """A followed job's end: its layer placed (and remembered as placed), or what happened to it."""
    if follower.final is None:
        return still_running(follower.job)
    if follower.final["status"] == "cancelled":
        mark_jobs_placed(adapter, shots_dir, [follower.job.job_id])
        return cancelled_message(follower.job)
    try:
        placement = follower.placement()
        adapter.place(placement)
    except (EngineError, ShotError) as exc:
        return f"Faceplate: {exc}"
    mark_jobs_placed(adapter, shots_dir, [follower.job.job_id])
    return f"Faceplate: {placed_message(placement)}"
