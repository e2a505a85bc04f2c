"""The demo's editorial half: the example as an OTIO cut, sent through a real engine process and placed back.

What an artist's editor does through faceplate-host (``faceplate_host.timeline`` reads the marked clip and
writes the layer track, ``faceplate_host.jobs`` submits and places), with the engine started here on a
free loopback port with a temporary data folder (its own job store and token), and stopped afterwards.
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import opentimelineio as otio

from faceplate.errors import FaceplateError
from faceplate.media import FrameRange
from faceplate.server.launch import free_port, serve_command, serve_env, stop_engine

log = logging.getLogger(__name__)
TIMELINE_START = 86400  # 01:00:00:00 at 24 fps, as an editor's timeline starts
SLATE_FRAMES = 12  # the cut opens on a gap before the marked clip: record frames differ from plate frames
ENGINE_START_S = 90


def write_example_cut(path: Path, plate: str, frames: FrameRange | None = None, rate: float = 24.0) -> Path:
    """A one-track cut: a slate gap, then the plate's frames as a clip carrying a FACE marker."""
    from faceplate.demo import PLATE_RANGE
    from faceplate_host.timeline import sequence_reference

    frames = frames or PLATE_RANGE
    media = sequence_reference(plate, frames, rate)
    span = media.available_range
    clip = otio.schema.Clip(name="astronaut_sh010", media_reference=media, source_range=span)
    clip.markers.append(
        otio.schema.Marker(
            name="FACE",
            color=otio.schema.MarkerColor.GREEN,
            marked_range=otio.opentime.TimeRange(span.start_time, otio.opentime.RationalTime(1, rate)),
        )
    )
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    track.append(
        otio.schema.Gap(
            source_range=otio.opentime.TimeRange(
                otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(SLATE_FRAMES, rate)
            )
        )
    )
    track.append(clip)
    timeline = otio.schema.Timeline(
        name="faceplate example", global_start_time=otio.opentime.RationalTime(TIMELINE_START, rate)
    )
    timeline.tracks.append(track)
    path.parent.mkdir(parents=True, exist_ok=True)
    otio.adapters.write_to_file(timeline, str(path))
    return path


def run_through_engine(
    cut: Path,
    roots: Path,
    workspace: Path,
    sources: str,
    changes: dict,
    consent_ref: str,
    reporter=None,
    note: dict | None = None,
    budget: str | None = None,
):
    """Read the FACE clip of ``cut``, render it under ``budget`` on an engine started for the purpose, write
    ``<cut>_with_layers.otio`` beside it with layer v001 placed. With ``note`` (a supervisor's review note as a
    render override, ``{"frames", "changes"}``), a second job renders v002 (only the noted frames change) and
    places it over v001, which stays on its track, disabled, its files untouched. Each step of the loop is one
    log line an artist reads (budget in, verdict out, v001 placed, the note, v002 placed, v001 kept).
    Returns (the shot workspace, the last placement)."""
    from faceplate.reporting import BaseReporter
    from faceplate.server.follow import follow_job
    from faceplate_host.client import EngineError
    from faceplate_host.jobs import placed_message, placement_for, submit_shot, verdict_text
    from faceplate_host.shots import ShotError
    from faceplate_host.timeline import ClipSelection, read_timeline, shots_from_timeline, write_layers

    out = cut.with_name(f"{cut.stem}_with_layers.otio")
    try:
        timeline = read_timeline(cut)
        (shot,) = shots_from_timeline(timeline, ClipSelection(marker="FACE"), str(cut))
        with engine_process(roots) as client:
            job = submit_shot(
                client,
                shot.with_(budget=budget or ""),
                [sources],
                roots,
                consent_ref=consent_ref,
                settings=changes,
                workspace=workspace,
            )
            log.info(
                "clip %r (record %s, plate %s) -> engine job %s at %s",
                shot.name,
                shot.record,
                shot.source,
                job.job_id,
                client.url,
            )
            follow_job(client, job.job_id, reporter or BaseReporter())
            log.info("budget in:    %s", budget_line(Path(job.workspace)))
            placement = placement_for(client, job)
            write_layers(timeline, [placement], out)
            log.info("verdict out:  %s", verdict_text(placement))
            log.info("v001 placed:  %s -> %s", placed_message(placement), out)
            if note is not None:
                placement = place_note(client, job, note, out, reporter or BaseReporter())
    except (ShotError, EngineError) as exc:
        raise FaceplateError(str(exc)) from None
    return Path(job.workspace), placement


def place_note(client, job, note: dict, out: Path, reporter):
    """The review note as a render override: v002 rendered and placed over v001 in ``out``; v001's files are
    checked unchanged and its track found still in the cut."""
    from faceplate.server.follow import follow_job
    from faceplate_host.jobs import ShotJob, placed_message, placement_for
    from faceplate_host.timeline import read_timeline, write_layers

    v001 = Path(job.workspace) / "render" / "v001"
    before = tree_hashes(v001)
    log.info("review note:  frames %s: %s -> a render override", note["frames"], note["changes"])
    again = client.submit(job.workspace, stages=["render", "qc", "report"], settings={"render": {"overrides": [note]}})
    done = follow_job(client, again["id"], reporter)
    render = next((s for s in done.get("stages", []) if s["name"] == "render"), {})
    log.info("v002 render:  %s", "; ".join(render.get("lines") or ["(no render line)"]))
    placement = placement_for(client, ShotJob(job.shot, again["id"], job.workspace))
    write_layers(read_timeline(out), [placement], out)
    log.info("v002 placed:  %s -> %s", placed_message(placement), out)
    placed = read_timeline(out)  # held: a timeline's tracks go with it when it is collected
    kept = [t for t in placed.tracks if t.name.endswith(" v001")]
    where = f"track {kept[0].name!r} ({'enabled' if kept[0].enabled else 'disabled'})" if kept else "no track"
    same = "unchanged" if tree_hashes(v001) == before else "CHANGED (a placed version was rewritten)"
    log.info("v001 kept:    %s -> %s; its %d files %s", where, v001 / "layer", len(before), same)
    return placement


def budget_line(workspace: Path) -> str:
    """What the job's budget meant on the engine's machine, from the train and mask runs' records."""
    from faceplate.budget import parse_budget
    from faceplate.workspace import open_workspace

    manifest = open_workspace(workspace).manifest
    train, mask = manifest.last_run("train"), manifest.last_run("mask")
    resolved = (train.parameters or {}).get("resolved", {}) if train else {}
    row = resolved.get("budget")
    if not row:
        return "no train run recorded a budget"
    given = resolved.get("train", {})  # the targets the run trained to: the budget's, or ones set on the shot
    targets = [
        f"{given['iterations']:,} it" if given.get("iterations") else "",
        f"{given['minutes']:g} min" if given.get("minutes") else "",
    ]
    masks = (mask.summary if mask else {}) or {}
    how = "the mask model trained" if masks.get("trained") else "landmark masks, the mask model not trained"
    tier = parse_budget(row["budget"]).tier
    return (
        f"{row['budget']} (tier {tier}) on {row['device']}: profile {row['profile']}, trains until "
        f"{' or '.join(t for t in targets if t)} ({resolved.get('targets_from')}); {how} "
        f"({masks.get('decided_by', 'no mask run')})"
    )


def tree_hashes(root: Path) -> dict[str, str]:
    """Every file under ``root`` and its SHA-256: what 'never rewritten' is checked against."""
    import hashlib

    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@contextmanager
def engine_process(roots: Path):
    """``faceplate serve`` on a free loopback port with a temporary data folder; yields its client."""
    from faceplate_host.client import EngineClient, EngineError

    with tempfile.TemporaryDirectory(prefix="faceplate-demo-engine-") as data:
        port = free_port()
        log_path = Path(data) / "serve.log"
        command = serve_command(port, [roots], Path(data) / "engine")
        with open(log_path, "wb") as output:
            process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=serve_env())
        try:
            client = EngineClient(f"http://127.0.0.1:{port}", token_file=Path(data) / "engine" / "token")
            deadline = time.monotonic() + ENGINE_START_S
            while True:
                try:
                    client.check_version()
                    break
                except EngineError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        tail = log_path.read_text(errors="replace").strip().splitlines()[-1:] or ["(no output)"]
                        raise FaceplateError(f"the demo's engine did not start on port {port}: {tail[0]}") from None
                    time.sleep(0.3)
            log.info("engine started at %s (data %s)", client.url, data)
            yield client
        finally:
            stop_engine(process)
            log.info("engine stopped")
