"""`faceplate render` flags the generated ones cannot express: ``--override FRAMES:KEY=VALUE[,...]``
(merge settings for a frame range, added to the ones the shot remembers), ``--clear-overrides`` and
``--no-consent-ref`` (the setting ``waive_consent``: a generated boolean would read
``--waive-consent/--no-waive-consent``, and the flag artists are told to give is ``--no-consent-ref``)
and ``--sign CERT KEY`` (the settings ``sign_cert`` and ``sign_key``, one flag for the pair).

Each override is checked here, through MergeSettings, so a bad one is refused with one line naming
``--override`` before anything is written.
"""

from __future__ import annotations

import argparse
import os

from pydantic import ValidationError

from faceplate.errors import FaceplateError, SettingsError
from faceplate.media.frames import parse_frame_spans, spans_outside, spans_text
from faceplate.render.settings import MERGE_KEYS, MergeSettings, describe_merge_error, merge_key

HIDDEN = ("overrides", "waive_consent", "sign_cert", "sign_key")  # replaced by the flags below
FORMAT = "FRAMES:KEY=VALUE[,KEY=VALUE]"


def add_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--override",
        action="append",
        default=[],
        metavar=FORMAT,
        help="merge settings for a frame range only, e.g. 1040-1060:blend=seamless,feather=12; "
        "added to the overrides the shot remembers",
    )
    parser.add_argument(
        "--clear-overrides",
        action="store_true",
        help="forget the overrides the shot remembers (before adding any --override)",
    )
    add_consent_waiver(parser)
    parser.add_argument(
        "--sign",
        nargs=2,
        metavar=("CERT", "KEY"),
        help="sign the review movie and preview frames with C2PA content credentials: a PEM "
        "certificate chain issued by a CA (not self-signed) and its PEM private key (this run only)",
    )


def add_consent_waiver(parser: argparse.ArgumentParser) -> None:
    """``--no-consent-ref`` (render and `faceplate run`): sets ``waive_consent`` for this run only."""
    parser.add_argument(
        "--no-consent-ref",
        dest="waive_consent",
        action="store_true",
        help="render although the shot has no consent reference; the waiver is written into every "
        "output (this run only)",
    )


def changes(args: argparse.Namespace, workspace) -> dict:
    per_run = {"waive_consent": True} if args.waive_consent else {}
    if args.sign:
        per_run |= {"sign_cert": os.path.abspath(args.sign[0]), "sign_key": os.path.abspath(args.sign[1])}
    if not args.override and not args.clear_overrides:
        return per_run
    stored = [] if args.clear_overrides else list(workspace.stored_settings("render").get("overrides") or [])
    return {"overrides": stored + [parse_override(text, workspace.frame_range) for text in args.override], **per_run}


def _refuse(text: str, problem: str) -> SettingsError:
    return SettingsError("render", "overrides", f"{text!r}: {problem}")


def parse_override(text: str, shot_range=None) -> dict:
    """``"1040-1060:blend=seamless,feather=12"`` -> ``{"frames": "1040-1060", "changes": {...}}``
    with each value checked and typed by MergeSettings."""
    frames, colon, pairs = text.partition(":")
    if not colon or not frames.strip() or not pairs.strip():
        raise _refuse(text, f"write {FORMAT}, e.g. 1040-1060:blend=seamless,feather_px=12")
    try:
        spans = parse_frame_spans(frames)
    except FaceplateError as exc:
        raise _refuse(text, str(exc)) from None
    outside = spans_outside(spans, shot_range) if shot_range is not None else ()
    if outside:
        raise _refuse(text, f"frames {spans_text(outside)} are outside the shot range {shot_range}")
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
