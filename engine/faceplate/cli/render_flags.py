"""`faceplate render` flags the generated ones cannot express: ``--override FRAMES:KEY=VALUE[,...]``
(merge settings for a frame range, added to the ones the shot remembers), ``--clear-overrides`` and
``--no-consent-ref`` (the setting ``waive_consent``: a generated boolean would read
``--waive-consent/--no-waive-consent``, and the flag artists are told to give is ``--no-consent-ref``).

Each override is checked here, through MergeSettings, so a bad one is refused with one line naming
``--override`` before anything is written.
"""

from __future__ import annotations

import argparse

from pydantic import ValidationError

from faceplate.errors import FaceplateError, SettingsError
from faceplate.media.frames import compact_frames, parse_frame_list
from faceplate.render.settings import MERGE_KEYS, MergeSettings, describe_merge_error, merge_key

HIDDEN = ("overrides", "waive_consent")  # replaced by the flags below
FORMAT = "FRAMES:KEY=VALUE[,KEY=VALUE]"


def add_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--override", action="append", default=[], metavar=FORMAT,
                        help="merge settings for a frame range only, e.g. 1040-1060:blend=seamless,feather=12; "
                             "added to the overrides the shot remembers")
    parser.add_argument("--clear-overrides", action="store_true",
                        help="forget the overrides the shot remembers (before adding any --override)")
    add_consent_waiver(parser)


def add_consent_waiver(parser: argparse.ArgumentParser) -> None:
    """``--no-consent-ref`` (render and `faceplate run`): sets ``waive_consent`` for this run only."""
    parser.add_argument("--no-consent-ref", dest="waive_consent", action="store_true",
                        help="render although the shot has no consent reference; the waiver is written into every "
                        "output (this run only)")


def changes(args: argparse.Namespace, workspace) -> dict:
    waiver = {"waive_consent": True} if args.waive_consent else {}
    if not args.override and not args.clear_overrides:
        return waiver
    stored = [] if args.clear_overrides else list(workspace.stored_settings("render").get("overrides") or [])
    return {"overrides": stored + [parse_override(text, workspace.frame_range) for text in args.override], **waiver}


def _refuse(text: str, problem: str) -> SettingsError:
    return SettingsError("render", "overrides", f"{text!r}: {problem}")


def parse_override(text: str, shot_range=None) -> dict:
    """``"1040-1060:blend=seamless,feather=12"`` -> ``{"frames": "1040-1060", "changes": {...}}``
    with each value checked and typed by MergeSettings."""
    frames, colon, pairs = text.partition(":")
    if not colon or not frames.strip() or not pairs.strip():
        raise _refuse(text, f"write {FORMAT}, e.g. 1040-1060:blend=seamless,feather_px=12")
    try:
        numbers = parse_frame_list(frames)
    except FaceplateError as exc:
        raise _refuse(text, str(exc)) from None
    outside = [f for f in numbers if shot_range is not None and f not in shot_range]
    if outside:
        raise _refuse(text, f"frames {compact_frames(outside)} are outside the shot range {shot_range}")
    values = {}
    for pair in pairs.split(","):
        key, equals, value = (part.strip() for part in pair.partition("="))
        field = merge_key(key)
        if not equals or field is None:
            raise _refuse(text, f"unknown setting {key!r}; known: {', '.join(MERGE_KEYS)}")
        values[field] = value
    try:
        merge = MergeSettings(**values)
    except ValidationError as exc:
        raise _refuse(text, describe_merge_error(exc)) from None
    return {"frames": frames.strip(), "changes": {k: getattr(merge, k) for k in values}}
