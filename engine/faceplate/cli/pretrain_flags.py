"""`faceplate pretrain LIBRARY --faces DIR [--faces DIR ...]`: the library workspace is made from the
faces folders on first use (later runs continue it and may leave --faces out); target flags work
as for `faceplate train` (one given replaces the remembered ones)."""

from __future__ import annotations

from pathlib import Path

from faceplate.cli import train_flags

SHOT_HELP = "the face library (a workspace; made on first use from --faces)"


def add_flags(parser) -> None:
    parser.add_argument(
        "--faces",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="a folder of stills, a clip or a sequence of many faces (repeatable); needed the "
        "first time, checked against the library's after",
    )


def changes(args, workspace) -> dict:
    return train_flags.changes(args, workspace)


def open_workspace(args):
    """The library, made from --faces on first use; the flags are checked before it is made, so a bad
    value leaves no half-made library behind."""
    from faceplate.settings import merge_settings
    from faceplate.stages.pretrain import create_library
    from faceplate.training.settings import PretrainSettings

    given = {
        k.removeprefix("setting__").replace("__", "."): v for k, v in vars(args).items() if k.startswith("setting__")
    }
    merge_settings(PretrainSettings, None, given | changes(args, None), "pretrain")
    return create_library(args.shot, args.faces)
