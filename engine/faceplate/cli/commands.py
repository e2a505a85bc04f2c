"""Workspace subcommands (init, consent, relink, info, demo): each registers its arguments and calls one function.

Other stages keep their subcommands in their own ``faceplate/cli/<stage>_command.py`` module
with a ``register(sub)`` function, listed in ``faceplate.cli.main.COMMAND_MODULES``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from faceplate.errors import WorkspaceError
from faceplate.workspace import init_workspace, open_workspace, probe_clip

log = logging.getLogger("faceplate")


def register_init(sub) -> None:
    p = sub.add_parser("init", help="create a shot workspace from a plate, a frame range and sources")
    p.add_argument("shot", type=Path, help="workspace folder to create")
    p.add_argument(
        "--plate", required=True, help="destination plate: video file, image sequence (name.####.exr) or stills"
    )
    p.add_argument(
        "--range", dest="frame_range", help="frames to replace, plate numbering, e.g. 1001-1100 (default: all)"
    )
    p.add_argument(
        "--source",
        action="append",
        default=[],
        help="identity to put in: clip, sequence or folder of stills (repeatable)",
    )
    p.add_argument(
        "--first-frame", type=int, default=1001, help="plate frame number of a video's first frame (default 1001)"
    )
    p.add_argument("--colour-space", help="plate colour space in the OCIO config (default: from the file type)")
    p.add_argument("--fps", help="frame rate, e.g. 24 or 24000/1001; must match a video plate's own")
    p.add_argument(
        "--consent-ref",
        metavar="TEXT",
        help="consent/rights reference for the person depicted (release-form id, contract, ticket); "
        "render refuses a shot without one unless --no-consent-ref is given",
    )
    p.add_argument("--force", action="store_true", help="re-initialise an existing workspace")
    p.set_defaults(run=run_init)


def run_init(args) -> None:
    ws = init_workspace(
        args.shot,
        args.plate,
        args.frame_range,
        args.source,
        args.first_frame,
        args.colour_space,
        args.fps,
        force=args.force,
        consent_ref=args.consent_ref,
    )
    m = ws.manifest
    log.info(
        "workspace %s: plate %s (%dx%d, %s fps, %s), range %s, %d source(s)",
        ws.root,
        m.plate.path,
        m.plate.width,
        m.plate.height,
        m.plate.fps or "?",
        m.plate.colour_space,
        m.range,
        len(m.sources),
    )
    if m.plate.missing_frames:
        log.warning("plate is missing frames %s", ",".join(map(str, m.plate.missing_frames)))
    if not m.consent_ref:
        log.warning(
            "no consent reference: render will refuse until one is recorded "
            "(`faceplate consent %s --ref TEXT`) or waived with --no-consent-ref",
            ws.root,
        )


def register_consent(sub) -> None:
    p = sub.add_parser("consent", help="show or record the shot's consent/rights reference (render needs one)")
    p.add_argument("shot", type=Path, help="the shot workspace")
    p.add_argument(
        "--ref",
        metavar="TEXT",
        help="the reference to record (release-form id, contract, ticket); without it, the current one is shown",
    )
    p.set_defaults(run=run_consent)


def run_consent(args) -> None:
    from faceplate.workspace.consent import set_consent_ref

    ws = open_workspace(args.shot)
    if args.ref is None:
        print(ws.manifest.consent_ref or "(none: render refuses this shot unless --no-consent-ref is given)")
        return
    log.info("shot %s: consent reference %r recorded", ws.root, set_consent_ref(ws, args.ref))


def register_relink(sub) -> None:
    p = sub.add_parser("relink", help="point the shot at its plate or sources after they moved (same footage only)")
    p.add_argument("shot", type=Path, help="the shot workspace")
    p.add_argument("--plate", help="where the plate is now")
    p.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help="a source's recorded path (or its key, source0, source1, ...) and where it is now (repeatable)",
    )
    p.set_defaults(run=run_relink)


def run_relink(args) -> None:
    from faceplate.workspace.relink import relink

    sources = {}
    for pair in args.source:
        old, sep, new = pair.partition("=")
        if not sep or not old or not new:
            raise WorkspaceError(f"--source {pair!r} must be OLD=NEW (the recorded path, then where it is now)")
        sources[old] = new
    for line in relink(open_workspace(args.shot), args.plate, sources):
        log.info("relinked %s", line)


def register_info(sub) -> None:
    p = sub.add_parser("info", help="print what Faceplate reads from a clip, sequence or stills folder")
    p.add_argument("path")
    p.add_argument("--first-frame", type=int, default=1001)
    p.set_defaults(run=lambda a: print(json.dumps(probe_clip(a.path, a.first_frame).model_dump(), indent=2)))


def register_demo(sub) -> None:
    p = sub.add_parser("demo", help="build the bundled example shot and run the stages on it")
    p.add_argument("out", type=Path, nargs="?", default=Path("demo_out"))
    p.set_defaults(run=lambda a: __import__("faceplate.demo", fromlist=["run_demo"]).run_demo(a.out, a.reporter))


def register(sub) -> None:
    for add in (register_init, register_consent, register_relink, register_info, register_demo):
        add(sub)
