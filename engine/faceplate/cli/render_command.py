"""`faceplate render`."""

from __future__ import annotations

import argparse
import json
import logging
from dataclasses import asdict, fields, replace
from pathlib import Path

from faceplate.errors import RenderError
from faceplate.media.frames import parse_frame_list
from faceplate.render.settings import MergeSettings, RangeOverride, settings_from_dict
from faceplate.workspace import open_workspace

log = logging.getLogger("faceplate")


def register(sub) -> None:
    d = MergeSettings()
    p = sub.add_parser("render", help="render the comp layer, matte and preview for the shot range")
    p.add_argument("shot", type=Path)
    p.add_argument("--frames", help="subset to render, plate numbers, e.g. 1001-1010,1050")
    p.add_argument("--model", help="generator .onnx (default: SHOT/export/generator.onnx, or generator.fp16.onnx "
                   "when exported and running on CUDA)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--colour-transfer", choices=["none", "rct", "lct", "mkl", "idt", "sot"])
    p.add_argument("--blend", choices=["overlay", "seamless"])
    p.add_argument("--mask", help=f"masks to intersect, e.g. predicted+landmark (default {d.mask})")
    p.add_argument("--erode", type=float, dest="erode_px", help="matte erosion in plate pixels (negative grows)")
    p.add_argument("--feather", type=float, dest="feather_px", help="matte feather in plate pixels")
    p.add_argument("--sharpen", type=float)
    p.add_argument("--grain", action=argparse.BooleanOptionalAction, help="match the plate's grain")
    p.add_argument("--smoothing", type=int, dest="smoothing_frames", help="landmark smoothing, +-frames")
    p.add_argument("--override", action="append", default=[], metavar="FRAMES:KEY=VALUE[,KEY=VALUE]",
                   help="settings for a frame range only, e.g. 1040-1060:blend=seamless,feather_px=12 (saved)")
    p.add_argument("--layer-format", choices=["exr", "png", "tif"])
    p.add_argument("--no-preview", action="store_true")
    p.set_defaults(run=run_render)


def _parse_override(text: str) -> RangeOverride:
    frames, _, pairs = text.partition(":")
    known = {f.name: f.type for f in fields(MergeSettings)}
    changes = {}
    for pair in filter(None, pairs.split(",")):
        key, _, value = pair.partition("=")
        if key not in known:
            raise RenderError(f"--override {text!r}: unknown setting {key!r}; known: {', '.join(known)}")
        changes[key] = _coerce(getattr(MergeSettings(), key), value)
    return RangeOverride(frames, changes)


def _coerce(example, value: str):
    if isinstance(example, bool):
        return value.lower() in ("1", "true", "yes", "on")
    try:
        return type(example)(value)
    except ValueError:
        raise RenderError(f"cannot read {value!r} as {type(example).__name__}") from None


def run_render(args) -> None:
    from faceplate.stages.render import render

    ws = open_workspace(args.shot)
    settings = settings_from_dict(ws.manifest.settings.get("render"))
    changes = {f.name: getattr(args, f.name, None) for f in fields(MergeSettings)}
    merge = replace(settings.merge, **{k: v for k, v in changes.items() if v is not None})
    overrides = settings.overrides + tuple(_parse_override(o) for o in args.override)
    settings = replace(settings, merge=merge, overrides=overrides,
                       layer_format=args.layer_format or settings.layer_format,
                       preview=settings.preview and not args.no_preview)
    ws.manifest.settings["render"] = json.loads(json.dumps(asdict(settings)))  # the shot remembers its settings
    ws.save()
    frames = parse_frame_list(args.frames) if args.frames else None
    result = render(ws, settings, frames, args.model, args.device, show_progress=not args.quiet)
    summary = result.summary()
    log.info("rendered %s; skipped (already done) %s; layer %s", summary["frames_written"] or "nothing",
             summary["frames_skipped"] or "none", summary["layer"])
    if summary["frames_without_face"]:
        log.info("no face to replace in frames %s (empty layer frames written)", summary["frames_without_face"])
