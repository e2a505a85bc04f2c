"""`faceplate-otio`: the editor side for any OTIO-capable editor, before (or without) its own adapter.

    faceplate-otio shots  cut.otio --marker FACE                     # what would be sent
    faceplate-otio submit cut.otio --marker FACE --source actor/ --consent-ref "release 114" --budget preview
    faceplate-otio place  cut.otio --out cut_with_layers.otio        # layers back on a new top track
    faceplate-otio place  cut.otio --out cut.otio --preview          # while they train: newest layer previews

``submit`` remembers which engine job renders which clip in ``cut.otio.faceplate.json`` beside the
timeline (``--jobs`` elsewhere); ``place`` reads it back. Failures are one line on stderr, exit 1
(130 when interrupted); never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional, Sequence

from faceplate_host.client import EngineClient
from faceplate_host.errors import FaceplateHostError, error_line
from faceplate_host.jobs import (
    event_text,
    jobs_file_for,
    load_jobs,
    placement_for,
    preview_message,
    preview_placement_for,
    preview_settings,
    require_done,
    save_jobs,
    submit_shot,
    verdict_text,
    waiver,
)
from faceplate_host.shots import BUDGET_HELP, PREVIEW_HELP, ShotError
from faceplate_host.timeline import (
    DEFAULT_FIRST_FRAME,
    LAYER_TRACK,
    ClipSelection,
    describe,
    read_timeline,
    shots_and_refusals,
    write_layers,
)

PROG = "faceplate-otio"


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except (FaceplateHostError, OSError) as exc:
        print(error_line(PROG, exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog=PROG,
        description="Faceplate for OpenTimelineIO timelines: list the marked "
        "shots, send them to the engine, put the rendered layers back.",
    )
    sub = top.add_subparsers(dest="command", required=True)
    shots = sub.add_parser("shots", help="list the shots a timeline's marked clips make")
    _selection(shots)
    shots.add_argument("--json", action="store_true", help="one JSON object per shot instead of a line")
    shots.set_defaults(run=run_shots)

    submit = sub.add_parser("submit", help="send every marked shot to the engine and wait for it")
    _selection(submit)
    submit.add_argument(
        "--source",
        action="append",
        required=True,
        metavar="PATH",
        help="the identity to put in: a clip, a sequence pattern or a folder of stills (repeatable)",
    )
    submit.add_argument(
        "--shots-dir",
        type=Path,
        help="where the shot workspaces go (default: <timeline folder>/faceplate_shots); "
        "must be inside the engine's --roots",
    )
    consent = submit.add_mutually_exclusive_group()
    consent.add_argument(
        "--consent-ref",
        metavar="TEXT",
        help="the performer's consent or release reference the shots record (the engine renders nothing without one)",
    )
    consent.add_argument(
        "--no-consent-ref",
        action="store_true",
        help="waive it for these jobs (the waiver is written into every output)",
    )
    submit.add_argument(
        "--settings", type=Path, metavar="JSON", help='stage settings for the jobs, e.g. {"train": {...}}'
    )
    submit.add_argument(
        "--budget",
        default="",
        help=f"how long or how good: {BUDGET_HELP} (default: what each shot remembers, else preview)",
    )
    submit.add_argument("--preview-every", default="auto", metavar="INTERVAL", help=PREVIEW_HELP)
    submit.add_argument("--no-wait", action="store_true", help="submit and return; `place` later")
    _engine(submit)
    submit.set_defaults(run=run_submit)

    place = sub.add_parser("place", help="write the timeline back with each rendered layer on a new top track")
    place.add_argument("timeline", type=Path)
    _timeline_name(place)
    place.add_argument("--out", type=Path, required=True, help="the timeline to write (.otio)")
    place.add_argument("--track-name", default=LAYER_TRACK, help=f"name of the new track (default {LAYER_TRACK})")
    place.add_argument(
        "--preview",
        action="store_true",
        help="a shot still training is placed with its newest layer preview (the final replaces it when placed again)",
    )
    _engine(place)
    place.set_defaults(run=run_place)
    return top


def _selection(command) -> None:
    command.add_argument("timeline", type=Path, help=".otio file (or any file an OTIO adapter reads)")
    _timeline_name(command)
    command.add_argument("--marker", help="clips carrying a marker of this name (case-insensitive)")
    command.add_argument(
        "--marker-colour",
        "--marker-color",
        dest="marker_colour",
        help="clips carrying a marker of this colour (RED, GREEN ...)",
    )
    command.add_argument("--track", help="clips on the video track of this name")
    command.add_argument("--clip", action="append", dest="clips", metavar="NAME", help="this clip (repeatable)")
    command.add_argument("--handles", type=int, default=0, help="extra frames rendered either side (default 0)")
    command.add_argument(
        "--first-frame",
        type=int,
        default=DEFAULT_FIRST_FRAME,
        help=f"plate number of a movie's first frame (default {DEFAULT_FIRST_FRAME})",
    )


def _timeline_name(command) -> None:
    command.add_argument(
        "--timeline", dest="timeline_name", metavar="NAME", help="the timeline of this name, in a file holding several"
    )


def _engine(command) -> None:
    command.add_argument("--url", help="the engine's address (default FACEPLATE_URL or http://127.0.0.1:8571)")
    command.add_argument("--token-file", type=Path, help="the engine's token file (default: the engine's data folder)")
    command.add_argument("--jobs", type=Path, help="the jobs file (default: <timeline>.faceplate.json)")


def _shots(args):
    """(shots, refusals): every chosen clip tried, so all refusals are shown at once."""
    timeline = read_timeline(args.timeline, args.timeline_name)
    selection = ClipSelection(
        marker=args.marker,
        marker_colour=args.marker_colour,
        track=args.track,
        clips=args.clips,
        handles=args.handles,
        first_frame=args.first_frame,
    )
    return shots_and_refusals(timeline, selection, source_path=str(args.timeline))


def _report(refused) -> None:
    for exc in refused:
        print(f"{PROG}: refused: {' '.join(str(exc).split())}", file=sys.stderr)


def _client(args) -> EngineClient:
    client = (
        EngineClient.local(token_file=args.token_file)
        if args.url is None
        else EngineClient(args.url, token_file=args.token_file)
    )
    client.check_version()
    return client


def run_shots(args) -> int:
    """Every swappable shot on stdout; each refused clip as one line on stderr (exit 1 if any)."""
    shots, refused = _shots(args)
    for shot in shots:
        print(json.dumps(shot.to_dict()) if args.json else describe(shot))
    _report(refused)
    return 1 if refused else 0


def run_submit(args) -> int:
    shots, refused = _shots(args)
    if refused:  # nothing is sent until every chosen clip can be swapped
        _report(refused)
        print(f"{PROG}: error: {len(refused)} chosen clip(s) cannot be swapped; nothing submitted", file=sys.stderr)
        return 1
    settings = _settings(args.settings)
    if args.no_consent_ref:
        settings = waiver(settings)
    settings = preview_settings(settings, args.budget, args.preview_every)
    client = _client(args)
    shots_dir = args.shots_dir or args.timeline.absolute().parent / "faceplate_shots"
    jobs, jobs_file = [], args.jobs or jobs_file_for(args.timeline)
    for shot in shots:
        job = submit_shot(
            client,
            shot.with_(budget=args.budget.strip()),
            args.source,
            shots_dir,
            consent_ref=args.consent_ref,
            settings=settings,
        )
        print(f"{shot.name}: job {job.job_id} record {shot.record} source {shot.source} -> {job.workspace}")
        jobs.append(job)
        save_jobs(jobs_file, args.timeline, jobs, client.url)  # after each: a refused later shot loses none
    print(f"jobs remembered in {jobs_file}")
    if args.no_wait:
        return 0
    failed = 0
    for job in jobs:
        final = client.watch(job.job_id, lambda event, name=job.shot.name: _progress(name, event))
        try:
            require_done(final, job.shot)
            print(f"{job.shot.name}: done")
        except ShotError as exc:
            print(error_line(PROG, exc), file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def _progress(name: str, event: dict) -> None:
    text = event_text(event)
    if text:
        print(f"{name}: {text}", file=sys.stderr, flush=True)


def _settings(path: Optional[Path]) -> Optional[dict]:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ShotError(f'{path}: not JSON ({exc}); give {{"stage": {{"setting": value}}}}') from None
    if not isinstance(data, dict):
        raise ShotError(f'{path}: give an object of stage settings, e.g. {{"train": {{"iterations": 100}}}}')
    return data


def _placement(client: EngineClient, job, args):
    """The job's layer; with ``--preview``, its newest layer preview while it has no layer yet."""
    if args.preview and not client.artifacts(job.job_id).get("layer"):
        return preview_placement_for(client, job, track_name=args.track_name)
    return placement_for(client, job, track_name=args.track_name)


def run_place(args) -> int:
    jobs = load_jobs(args.jobs or jobs_file_for(args.timeline))
    remembered = next((j.shot.metadata["timeline_name"] for j in jobs if j.shot.metadata.get("timeline_name")), None)
    timeline = read_timeline(args.timeline, args.timeline_name or remembered)  # the one the jobs came from
    client = _client(args)
    placements = [_placement(client, job, args) for job in jobs]
    out = write_layers(timeline, placements, args.out)
    for placement in placements:
        print(
            f"{placement.shot}: {placement.layer_pattern} frames {placement.layer_in}-"
            f"{placement.layer_frame(placement.record.last)} at record {placement.record} on track {placement.track_name}"
        )
        preview = placement.metadata.get("preview")
        print(f"{placement.shot}: {preview_message(placement) if preview else verdict_text(placement)}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
