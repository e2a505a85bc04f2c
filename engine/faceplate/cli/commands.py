"""Workspace and extraction subcommands: each registers its arguments and calls one stage function.

Other stages keep their subcommands in their own ``faceplate/cli/<stage>_command.py`` module
with a ``register(sub)`` function, listed in ``faceplate.cli.main.COMMAND_MODULES``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from faceplate.cli.roles import add_role_flag, roles_from
from faceplate.errors import ExtractError
from faceplate.faces.pipeline import ExtractSettings
from faceplate.workspace import init_workspace, open_workspace, probe_clip

log = logging.getLogger("faceplate")


def register_init(sub) -> None:
    p = sub.add_parser("init", help="create a shot workspace from a plate, a frame range and sources")
    p.add_argument("shot", type=Path, help="workspace folder to create")
    p.add_argument("--plate", required=True, help="destination plate: video file, image sequence (name.####.exr) or stills")
    p.add_argument("--range", dest="frame_range", help="frames to replace, plate numbering, e.g. 1001-1100 (default: all)")
    p.add_argument("--source", action="append", default=[], help="identity to put in: clip, sequence or folder of stills (repeatable)")
    p.add_argument("--first-frame", type=int, default=1001, help="plate frame number of a video's first frame (default 1001)")
    p.add_argument("--colour-space", help="plate colour space in the OCIO config (default: from the file type)")
    p.add_argument("--fps", help="frame rate, e.g. 24 or 24000/1001; must match a video plate's own")
    p.add_argument("--force", action="store_true", help="re-initialise an existing workspace")
    p.set_defaults(run=run_init)


def run_init(args) -> None:
    ws = init_workspace(args.shot, args.plate, args.frame_range, args.source, args.first_frame, args.colour_space,
                        args.fps, force=args.force)
    m = ws.manifest
    log.info("workspace %s: plate %s (%dx%d, %s fps, %s), range %s, %d source(s)", ws.root, m.plate.path,
             m.plate.width, m.plate.height, m.plate.fps or "?", m.plate.colour_space, m.range, len(m.sources))
    if m.plate.missing_frames:
        log.warning("plate is missing frames %s", ",".join(map(str, m.plate.missing_frames)))


def register_extract(sub) -> None:
    d = ExtractSettings()
    p = sub.add_parser("extract", help="detect, align and crop faces into the workspace's facesets")
    p.add_argument("shot", type=Path)
    add_role_flag(p)
    p.add_argument("--face-type", default=d.face_type, choices=["half", "full", "whole_face", "head"])
    p.add_argument("--crop-size", type=int, default=d.crop_size, help=f"stored crop size in pixels (default {d.crop_size})")
    p.add_argument("--detector", default=d.detector, choices=["hog", "cnn"])
    p.add_argument("--detect-size", type=int, default=d.detect_size, help="longer side of the frame the detector sees")
    p.add_argument("--upsample", type=int, default=d.upsample, help="detector upsampling passes (finds smaller faces)")
    p.add_argument("--redetect-every", type=int, default=d.redetect_every, help="full-frame detection period (frames)")
    p.add_argument("--confirm-every", type=int, default=d.confirm_every, help="detector re-confirms a followed face every N frames")
    p.add_argument("--embed-every", type=int, default=d.embed_every, help="identity re-check period (frames)")
    p.add_argument("--reference", help="still of the person to keep when a frame has several faces")
    p.add_argument("--all-faces", action="store_true", help="keep every face, each with a track id")
    p.add_argument("--source-step", type=int, default=d.source_step, help="use every Nth frame of source clips")
    p.add_argument("--crop-format", default=d.crop_format, choices=["jpg", "png"])
    p.add_argument("--force", action="store_true", help="extract again even if the faceset is up to date")
    p.set_defaults(run=run_extract)


def run_extract(args) -> None:
    from faceplate.stages.extract import extract

    try:
        settings = ExtractSettings(
            face_type=args.face_type, crop_size=args.crop_size, detector=args.detector, detect_size=args.detect_size,
            upsample=args.upsample, redetect_every=args.redetect_every, confirm_every=args.confirm_every,
            embed_every=args.embed_every, all_faces=args.all_faces, reference=args.reference,
            crop_format=args.crop_format, source_step=args.source_step)
    except ValueError as exc:
        raise ExtractError(f"bad extract setting: {exc}") from exc
    ws = open_workspace(args.shot)
    for role, result in extract(ws, roles_from(args), settings, force=args.force, show_progress=not args.quiet).items():
        if result is None:
            log.info("%s: up to date, nothing to do (use --force to redo)", role)
            continue
        s = result.summary()
        log.info("%s: %d faces in %d of %d frames", role, s["faces"], s["frames_with_face"], s["frames_read"])
        if s["empty_frames"]:
            log.info("%s: no face in frames %s", role, s["empty_frames"])
        if s["missing_frames"]:
            log.warning("%s: frames missing from the sequence: %s", role, s["missing_frames"])


def register_info(sub) -> None:
    p = sub.add_parser("info", help="print what Faceplate reads from a clip, sequence or stills folder")
    p.add_argument("path")
    p.add_argument("--first-frame", type=int, default=1001)
    p.set_defaults(run=lambda a: print(json.dumps(probe_clip(a.path, a.first_frame).model_dump(), indent=2)))


def register_demo(sub) -> None:
    p = sub.add_parser("demo", help="build the bundled example shot and run the stages on it")
    p.add_argument("out", type=Path, nargs="?", default=Path("demo_out"))
    p.set_defaults(run=lambda a: __import__("faceplate.demo", fromlist=["run_demo"]).run_demo(a.out, quiet=a.quiet))


def register(sub) -> None:
    for add in (register_init, register_extract, register_info, register_demo):
        add(sub)
