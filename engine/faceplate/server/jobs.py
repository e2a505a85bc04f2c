"""Job actions the API offers, with their rules: submit, cancel, retry, delete.

Everything a request names is checked here before the job is recorded: paths under the roots,
the frame range's length, every stage setting (by the stage's own settings class, so an API
caller gets the same answer the CLI would, naming the API field). Nothing here opens media or
writes into a shot: the job's workers do that.
"""

from __future__ import annotations

import uuid

from faceplate.budget import DEFAULT_TIER, budget_changes
from faceplate.errors import FrameRangeError, WorkspaceError
from faceplate.media import FrameRange
from faceplate.server.context import EngineContext
from faceplate.server.errors import JobConflict, RequestRefused
from faceplate.server.paths import check_setting_paths, check_shot_media
from faceplate.server.schemas import JobSubmit, Retry
from faceplate.server.worker import INIT_STEP
from faceplate.settings import merge_settings, nest
from faceplate.stages import STAGES, consent_stages, settings_classes
from faceplate.workspace.consent import check_consent, clean_consent_ref
from faceplate.workspace.workspace import MANIFEST_NAME, read_manifest


def submit_job(engine: EngineContext, body: JobSubmit) -> dict:
    workspace = engine.roots.resolve(body.workspace, "workspace")
    spec = body.model_dump(by_alias=True)
    spec["workspace"] = str(workspace)
    stages = [name for name in STAGES if name in body.stages]  # workflow order, whatever order was given
    extra = sorted(set(body.settings) - set(stages))
    if extra:
        raise RequestRefused(
            f"settings given for {', '.join(extra)}, which this job does not run; add it to "
            "'stages' or leave its settings out"
        )
    if body.shot is not None:
        spec["shot"] = _checked_shot(engine, body, workspace)
        stored: dict = {}
        consent_ref = spec["shot"]["consent_ref"]
        stages = [INIT_STEP] + stages
    else:
        manifest = read_manifest(workspace, "give 'shot' (plate, range, sources) to create it")
        check_shot_media(engine.roots, manifest)  # the plate and sources its stages will read
        stored, consent_ref = manifest.settings, manifest.consent_ref
    spec["settings"] = with_budget(body.settings, body.budget, stages)
    spec["budget"] = next(
        (
            b
            for b in (
                body.budget,
                (body.settings.get("train") or {}).get("budget"),
                (stored.get("train") or {}).get("budget"),
            )
            if b
        ),
        DEFAULT_TIER,
    )  # shown
    checked = {
        name: merge_settings(STAGES[name].settings_class, stored.get(name), changes, name)  # names the field
        for name, changes in spec["settings"].items()
    }
    for stage in consent_stages(stages):  # refused now, not after training, when its run would be
        given = checked.get(stage.name)
        check_consent(consent_ref, given is not None and given.waive_consent, workspace.name)
    for name, settings in checked.items():  # every file or folder a setting names (the worker checks them again)
        check_setting_paths(engine.roots, name, settings)
    with engine.scheduler.lock:
        job = engine.store.create_job(uuid.uuid4().hex[:12], str(workspace), spec, stages)
    engine.scheduler.wake()  # committed: the scheduler may start it now
    return job


def with_budget(settings: dict, budget: str | None, stages: list[str]) -> dict:
    """The job's stage settings with its budget applied to the stages that read one; a setting the job gives
    (a train target) goes on top of the budget's."""
    if budget is None:
        return settings
    changes = budget_changes(budget, settings_classes(stages))
    return {
        name: nest({**changes.get(name, {}), **settings.get(name, {})}) for name in dict.fromkeys([*changes, *settings])
    }


def _checked_shot(engine: EngineContext, body: JobSubmit, workspace) -> dict:
    shot = body.shot.model_dump()
    if (workspace / MANIFEST_NAME).exists():
        raise JobConflict(f"{workspace} is already a Faceplate workspace; submit it without 'shot' to run its stages")
    if not workspace.parent.is_dir():
        raise WorkspaceError(f"the folder {workspace.parent} does not exist; create it or choose another workspace")
    if shot["consent_ref"] is not None:
        shot["consent_ref"] = clean_consent_ref(shot["consent_ref"])  # ConsentError: empty, a line break...
    shot["plate"] = str(engine.roots.resolve(shot["plate"], "plate"))
    shot["sources"] = [str(engine.roots.resolve(s, "source")) for s in shot["sources"]]
    if shot["range"]:
        frames = FrameRange.parse(shot["range"])  # FrameRangeError names what is wrong
        if len(frames) > engine.config.max_frames:
            raise FrameRangeError(
                f"range {shot['range']} is {len(frames)} frames; this engine takes at most "
                f"{engine.config.max_frames} per job: split the shot"
            )
    return shot


def cancel_job(engine: EngineContext, job_id: str) -> dict:
    """A running stage stops at its next safe point (the scheduler then marks the job); a waiting job stops now."""
    with engine.scheduler.lock:
        job = engine.store.get_job(job_id)
        if job["status"] in ("done", "failed", "cancelled"):
            raise JobConflict(f"job {job_id} is already {job['status']}; nothing to cancel")
        if job["current_stage"] is None:
            engine.store.update_job(job_id, {"status": "cancelled"}, status="cancelled", cancel=1, error="cancelled")
        else:
            engine.store.update_job(job_id, {"cancel": "requested", "stage": job["current_stage"]}, cancel=1)
        job = engine.store.get_job(job_id)
    engine.scheduler.wake()
    return job


def retry_job(engine: EngineContext, job_id: str, body: Retry) -> dict:
    """Run the job again from ``from_stage`` (default: its first stage not done); stages resume their own work."""
    with engine.scheduler.lock:
        job = engine.store.get_job(job_id)
        if job["status"] not in ("done", "failed", "cancelled"):
            raise JobConflict(f"job {job_id} is {job['status']}; cancel it before retrying")
        names = [s["name"] for s in job["stages"]]
        start = body.from_stage or next(
            (s["name"] for s in job["stages"] if s["status"] not in ("done", "skipped")), None
        )
        if start is None:
            raise JobConflict(f"job {job_id} has nothing left to do; give 'from_stage' to run a stage again")
        if start not in names:
            raise JobConflict(f"job {job_id} does not run {start}; its stages: {', '.join(names)}")
        for name in names[names.index(start) :]:
            engine.store.update_stage(job_id, name, status="pending", error=None)
        engine.store.update_job(
            job_id, {"status": "queued", "retry_from": start}, status="queued", cancel=0, error=None, wait_until=0
        )
        job = engine.store.get_job(job_id)
    engine.scheduler.wake()
    return job


def delete_job(engine: EngineContext, job_id: str) -> None:
    """Forget a job (its record and events); the workspace on disk is the artist's and is left alone."""
    with engine.scheduler.lock:
        job = engine.store.get_job(job_id)
        if job["current_stage"] is not None:
            raise JobConflict(f"job {job_id} is running {job['current_stage']}; cancel it first")
        engine.store.delete_job(job_id)
