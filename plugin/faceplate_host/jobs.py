"""Shots to engine jobs and back to layer placements: what `faceplate-otio submit/place` and the pyblish
Extract/Integrate plug-ins share (one way to submit, wait and place).

    job = submit_shot(client, shot, ["actor/"], shots_dir, consent_ref="release 2026-114")
    final = require_done(client.watch(job.job_id, print, cancelled=lambda: False), shot)
    placement = placement_for(client, job)               # from the engine's artifacts of the job

A shot's workspace is ``shots_dir/<clip name>_<first record frame>`` (unique per clip even when two
clips share a name); a workspace made earlier is run again instead of created.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

from faceplate_host.atomic import write_text_atomically
from faceplate_host.client import EngineClient
from faceplate_host.shots import Flag, FrameSpan, LayerPlacement, Shot, ShotError, place_layer, preview_interval

MANIFEST_NAME = "faceplate.json"  # the engine's workspace manifest (faceplate.workspace.MANIFEST_NAME)
JOBS_SUFFIX = ".faceplate.json"  # the sidecar beside a timeline that remembers its jobs


class JobFailed(ShotError):
    """An engine job that ended failed or cancelled; the message names the clip and the job."""


@dataclass(frozen=True)
class ShotJob:
    shot: Shot
    job_id: str
    workspace: str

    def to_dict(self) -> dict:
        return {"shot": self.shot.to_dict(), "job": self.job_id, "workspace": self.workspace}

    @classmethod
    def from_dict(cls, data: dict) -> "ShotJob":
        return cls(Shot.from_dict(data["shot"]), str(data["job"]), str(data["workspace"]))


def workspace_for(shot: Shot, shots_dir) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(shot.name).stem or shot.name).strip("._") or "shot"
    return Path(shots_dir).absolute() / f"{safe}_{shot.record.first}"


def submit_shot(
    client: EngineClient,
    shot: Shot,
    sources: Sequence[str],
    shots_dir,
    consent_ref: Optional[str] = None,
    settings: Optional[dict] = None,
    stages: Optional[list] = None,
    workspace=None,
) -> ShotJob:
    """Send one shot to the engine: a new workspace under ``shots_dir``, or the existing one run again.
    ``consent_ref``: the performer's consent/release reference, recorded by the shot; the engine refuses a
    job that renders without one unless ``settings["render"]["waive_consent"]`` (see ``waiver``).
    ``workspace``: this folder instead of ``workspace_for(shot, shots_dir)``. The job's budget is ``shot.budget``."""
    if not sources:
        raise ShotError(f"clip {shot.name!r}: no source identity chosen; give the actor's clip or stills (--source)")
    workspace = Path(workspace).absolute() if workspace is not None else workspace_for(shot, shots_dir)
    workspace.parent.mkdir(parents=True, exist_ok=True)
    body = None
    if not (workspace / MANIFEST_NAME).exists():
        body = shot.engine_shot([str(Path(s).absolute()) for s in sources], consent_ref=consent_ref or None)
    job = client.submit(str(workspace), stages=stages, settings=settings, shot=body, budget=shot.budget or None)
    return ShotJob(shot, job["id"], job.get("workspace", str(workspace)))


def waiver(settings: Optional[dict], stages: Optional[list] = None) -> dict:
    """``settings`` plus the render's consent waiver (the artist said no reference is needed; the waiver is
    written into every output). Only where the job renders: the engine refuses settings of stages not run."""
    settings = {k: dict(v) for k, v in (settings or {}).items()}
    if stages is None or "render" in stages:
        settings.setdefault("render", {})["waive_consent"] = True
    return settings


def preview_settings(settings: Optional[dict], budget: str, asked: str = "auto", stages=None) -> Optional[dict]:
    """``settings`` plus the layer-preview interval ``shots.preview_interval`` gives for ``budget`` (only for a job
    that trains; an interval the settings already hold stays)."""
    every = preview_interval(budget, asked) if stages is None or "train" in stages else ""
    if not every:
        return settings
    settings = {k: dict(v) for k, v in (settings or {}).items()}
    settings.setdefault("train", {}).setdefault("preview_layer_every", every)
    return settings


def override_settings(text: str) -> dict:
    """``"1040-1060:feather_px=12,blend=seamless"`` (a review note, as `faceplate render --override` takes it) ->
    the render settings of a job that re-renders those frames; the engine checks each value and refuses a bad
    one in one line naming it."""
    frames, colon, pairs = text.partition(":")
    changes = dict(pair.split("=", 1) for pair in pairs.split(",") if "=" in pair)
    if not colon or not frames.strip() or not changes or len(changes) != len(pairs.split(",")):
        raise ShotError(f"override {text!r}: write FRAMES:KEY=VALUE[,KEY=VALUE], e.g. 1040-1060:feather_px=12")
    changes = {key.strip(): value.strip() for key, value in changes.items()}
    return {"render": {"overrides": [{"frames": frames.strip(), "changes": changes}]}}


def submitted(instance) -> ShotJob:
    """The job Extract submitted for a pyblish instance; a clear error when submission failed."""
    job = instance.data.get("job")
    if job is None:
        raise ShotError(
            f"clip {instance.data['shot'].name!r}: was not submitted to the engine (see the submit "
            f"error above); fix it and publish again"
        )
    return job


def require_done(job: dict, shot: Shot) -> dict:
    if job["status"] == "done":
        return job
    what = "was cancelled; submit again to resume" if job["status"] == "cancelled" else f"failed: {job.get('error')}"
    raise JobFailed(f"clip {shot.name!r}: engine job {job['id']} {what}")


def event_text(event: dict) -> Optional[str]:
    """One line for people from an engine event, or None for events not worth a line."""
    data, kind, stage = event.get("data") or {}, event.get("kind"), event.get("stage") or "job"
    if kind == "progress":
        total = data.get("total") or 0
        share = f" {100 * data.get('done', 0) / total:.0f}%" if total else ""
        return f"{stage}: {data.get('task', '')} {data.get('done', 0)}/{total or '?'} {data.get('unit', '')}{share}".rstrip()
    if kind == "stage" and data.get("status") not in (None, "running"):
        return f"{stage} {data['status']}" + (f": {data['message']}" if data.get("message") else "")
    if kind == "log" and str(data.get("level", "")).upper() in ("WARNING", "ERROR"):
        return f"{stage}: {data.get('message', '')}"
    if kind == "preview_layer":
        return f"{stage}: layer preview of iteration {data.get('iteration')} ready"
    if kind == "job" and data.get("status") in ("busy", "failed", "cancelled", "done"):
        return f"job {data['status']}" + (f": {data['message']}" if data.get("message") else "")
    return None


def placement_for(client: EngineClient, shot_job: ShotJob, track_name: str = "faceplate") -> LayerPlacement:
    """Where the job's rendered layer goes: the shot's record frames, the engine's layer files."""
    artifacts = client.artifacts(shot_job.job_id)
    layer = artifacts.get("layer")
    if not layer or not layer.get("pattern"):
        raise ShotError(
            f"clip {shot_job.shot.name!r}: engine job {shot_job.job_id} has no rendered layer yet; wait for it "
            f"to finish (faceplate-otio submit) or retry it on the engine's dashboard"
        )
    onnx = artifacts.get("onnx") or {}
    model = (onnx.get("path") or "") if isinstance(onnx, dict) else str(onnx)
    meta = {"model": model, **version_metadata(artifacts)}
    return _placement(client, shot_job, artifacts, layer, track_name, tuple(_flags(artifacts)), meta)


def preview_placement_for(client: EngineClient, shot_job: ShotJob, track_name: str = "faceplate") -> LayerPlacement:
    """Where the job's newest layer preview goes (made while it trains; the final layer replaces it): the same
    record frames as the layer, version ``preview it<iteration>``."""
    artifacts = client.artifacts(shot_job.job_id)
    preview = artifacts.get("preview_layer")
    if not preview or not preview.get("pattern"):
        raise ShotError(f"clip {shot_job.shot.name!r}: engine job {shot_job.job_id} has no layer preview")
    meta = {"version": f"preview it{preview.get('iteration')}", "preview": True}
    return _placement(client, shot_job, artifacts, preview, track_name, (), meta)


def _placement(client, shot_job: ShotJob, artifacts: dict, layer: dict, track_name: str, flags, meta: dict):
    shot = shot_job.shot
    frames = FrameSpan.parse(layer.get("frame_range") or artifacts.get("frame_range") or str(shot.render_span))
    matte = layer.get("matte") or {}
    return place_layer(
        shot,
        layer["pattern"],
        frames,
        track_name=track_name,
        matte_pattern=(matte.get("path") or "") if isinstance(matte, dict) else str(matte),
        flags=flags,
        metadata={
            "shot": shot.name,
            "workspace": artifacts.get("workspace") or shot_job.workspace,
            "job": shot_job.job_id,
            "engine": client.url,
            **meta,
        },
    )


def preview_message(placement: LayerPlacement) -> str:
    """What the host tells the artist once a layer preview is placed."""
    return (
        f"{placement.shot}: layer {placement.metadata.get('version')} placed at {placement.record} on track "
        f"{placement.track_name!r} (a preview while it trains: the next preview or the final layer replaces it)"
    )


def version_metadata(artifacts: dict) -> dict:
    """Which version of the shot's layer is placed, the earlier ones (still on disk: reachable from the placed
    clip) and the QC verdict on it (the engine's artifacts carry them)."""
    layer = artifacts.get("layer") or {}
    earlier = [
        {"version": v.get("version"), "layer": v.get("pattern")}
        for v in artifacts.get("versions") or []
        if v.get("version") != layer.get("version")
    ]
    verdict = artifacts.get("verdict") or {}
    return {
        "version": layer.get("version") or "",
        "earlier_versions": earlier,
        "verdict": verdict.get("line") or "",
        "qc_passed": verdict.get("passed"),
    }


def placed_message(placement: LayerPlacement) -> str:
    """What the host tells the artist once a layer is placed: which version, where, and the QC verdict on it."""
    meta = placement.metadata
    version = f" {meta['version']}" if meta.get("version") else ""
    earlier = [v.get("version") for v in meta.get("earlier_versions") or [] if v.get("version")]
    kept = f" ({', '.join(earlier)} kept, disabled)" if earlier else ""
    return (
        f"{placement.shot}: layer{version} placed at {placement.record} on track {placement.track_name!r}{kept}; "
        f"{verdict_text(placement)}"
    )


def verdict_text(placement: LayerPlacement) -> str:
    """QC's verdict line on the placed version, or that QC has not checked it."""
    return placement.metadata.get("verdict") or "QC has not checked this version"


def _flags(artifacts: dict) -> list[Flag]:
    """QC flags when the engine reports them (``qc: {flags: [{first, last, reason}]}``, plate numbering)."""
    qc = artifacts.get("qc") or {}
    found = []
    for item in (qc.get("flags") if isinstance(qc, dict) else None) or []:
        try:
            found.append(Flag(FrameSpan(int(item["first"]), int(item["last"])), str(item["reason"])))
        except (KeyError, TypeError, ValueError, ShotError):
            continue  # a flag this client cannot read is not worth failing the placement for
    return found


# --- the sidecar that remembers which job made which clip's layer ------------------------------
def jobs_file_for(timeline_path) -> Path:
    path = Path(timeline_path)
    return path.with_name(path.name + JOBS_SUFFIX)


def save_jobs(path, timeline_path, jobs: Sequence[ShotJob], engine_url: str) -> Path:
    """Written beside its target and renamed into place: a crash never leaves half a list."""
    data = {"timeline": str(Path(timeline_path).absolute()), "engine": engine_url, "jobs": [j.to_dict() for j in jobs]}
    return write_text_atomically(path, json.dumps(data, indent=2))


def load_jobs(path) -> list[ShotJob]:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [ShotJob.from_dict(item) for item in data["jobs"]]
    except FileNotFoundError:
        raise ShotError(f"{path}: no submitted jobs for this timeline; run `faceplate-otio submit` first") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ShotError(f"{path}: not a Faceplate jobs file ({exc}); run `faceplate-otio submit` again") from None
