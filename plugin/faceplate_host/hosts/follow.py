"""Following an engine job from inside a host, a page of events at a time, so each host drives it from its own
loop (Blender's modal timer, Resolve's UIManager timer, a background script's plain loop) and can cancel it.

    follower = JobFollower(client, shot_job)
    while follower.step() is None:          # one request per call; the host redraws its bar in between
        bar.update(follower.fraction, follower.line)
    placement = follower.placement()         # the layer to place (JobFailed when it failed or was cancelled)

While it trains, a job asked for layer previews (``train.preview_layer_every``) says each in a ``preview_layer``
event; ``preview_placement()`` then gives the newest to place as a preview (once per event read while the job
runs; a job read finished has its final layer to place instead).

Jobs a host sent are remembered as ``remembered`` records (``ShotJob.to_dict()`` plus ``placed``) in the
host's own document (a .blend's scene, a Nuke script's root knob, a Resolve project's record file), so a later
session finds them again and places the layers not placed yet ("re-attach"); a cancelled job counts as placed
(nothing is left to follow).
"""

from __future__ import annotations

import json
from typing import Optional

from faceplate_host.client import FINISHED, EngineClient
from faceplate_host.hosts.progress import event_fraction
from faceplate_host.jobs import ShotJob, event_text, placement_for, preview_placement_for, require_done
from faceplate_host.shots import LayerPlacement


class JobFollower:
    def __init__(self, client: EngineClient, job: ShotJob):
        self.client, self.job = client, job
        self.after, self.fraction, self.line = 0, 0.0, ""
        self.final: Optional[dict] = None
        self.lines: list = []  # every line shown, in order (what a console or log gets)
        self.preview_due = False  # a layer preview event read while the job runs, not placed yet

    def step(self) -> Optional[dict]:
        """Read the next page of the job's events; the finished job once it is done, failed or cancelled."""
        if self.final is not None:
            return self.final
        page = self.client.events(self.job.job_id, self.after)
        for event in page["events"]:
            fraction, line = event_fraction(event), event_text(event)
            self.fraction = self.fraction if fraction is None else fraction
            if line:
                self.line = f"{self.job.shot.name}: {line}"
                self.lines.append(self.line)
            self.preview_due = self.preview_due or event.get("kind") == "preview_layer"
        self.after = page["next_after"]
        self.preview_due = self.preview_due and page["status"] not in FINISHED  # the final replaces it
        if page["status"] in FINISHED and not page["events"]:
            self.final = self.client.job(self.job.job_id)
        return self.final

    def cancel(self) -> None:
        """Ask the engine to stop the job at its next safe point (finished work is kept; a retry resumes)."""
        self.client.cancel_unless_finished(self.job.job_id)

    def preview_placement(self, track_name: str = "faceplate") -> Optional[LayerPlacement]:
        """The newest layer preview when one came since the last call and the job still runs; else None."""
        if not self.preview_due or self.final is not None:
            return None
        self.preview_due = False
        return preview_placement_for(self.client, self.job, track_name=track_name)

    def placement(self, track_name: str = "faceplate") -> LayerPlacement:
        require_done(self.final or self.client.job(self.job.job_id), self.job.shot)
        return placement_for(self.client, self.job, track_name=track_name)


def cancelled_message(job: ShotJob) -> str:
    """What a host tells the artist when a job it followed ended cancelled."""
    return f"Faceplate: the job for {job.shot.name} was cancelled; finished work is kept and a retry resumes"


def read_remembered(text: Optional[str]) -> list:
    """The remembered records from a host document's property (empty when there are none)."""
    return json.loads(text) if text else []


def remember(text: Optional[str], job: ShotJob) -> str:
    """The property's new text with ``job`` added, not yet placed."""
    return json.dumps(read_remembered(text) + [{**job.to_dict(), "placed": False}])


def mark_placed(text: Optional[str], job_id: str) -> str:
    return json.dumps([{**r, "placed": r["placed"] or r["job"] == job_id} for r in read_remembered(text)])


def unplaced(text: Optional[str]) -> list:
    """The remembered jobs whose layer is not placed yet: running ones to follow, finished ones to place."""
    return [ShotJob.from_dict(r) for r in read_remembered(text) if not r.get("placed")]
