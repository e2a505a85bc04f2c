"""One subcommand per stage, generated from the stage table and each stage's settings class.

``faceplate STAGE SHOT [--flag VALUE ...]``: the flags given change the shot's remembered settings
for this and later runs (per-run ones, like ``--frames``, apply once); the stage runs through
``faceplate.stages.runner.run_stage`` exactly as the server and farm tasks run it.
"""

from __future__ import annotations

import importlib
import logging
from functools import partial
from pathlib import Path

from faceplate.cli.flags import add_setting_flags, changes_from
from faceplate.stages import STAGES

log = logging.getLogger("faceplate")

# Stages whose CLI adds flags the generic ones cannot express; each module has
# ``add_flags(parser)`` and ``changes(args, workspace) -> dict`` (extra settings changes), and may
# list in ``HIDDEN`` the settings its flags replace, give ``SHOT_HELP`` for the workspace argument and
# ``open_workspace(args)`` where the command may create the workspace (pretrain's library).
EXTRA_FLAGS: dict[str, str] = {
    "render": "faceplate.cli.render_flags",
    "train": "faceplate.cli.train_flags",
    "pretrain": "faceplate.cli.pretrain_flags",
}


def register(sub) -> None:
    for name, stage in STAGES.items():
        p = sub.add_parser(name, help=stage.help, description=stage.help)
        extra = importlib.import_module(EXTRA_FLAGS[name]) if name in EXTRA_FLAGS else None
        p.add_argument("shot", type=Path, help=getattr(extra, "SHOT_HELP", "the shot workspace"))
        dests = add_setting_flags(p, stage.settings_class, hidden=getattr(extra, "HIDDEN", ()))
        if extra is not None:
            extra.add_flags(p)
        p.set_defaults(run=partial(run_stage_command, name, dests, extra))


def run_stage_command(name: str, dests: dict[str, str], extra, args) -> None:
    from faceplate.stages.runner import run_stage
    from faceplate.workspace import open_workspace

    opener = getattr(extra, "open_workspace", None)
    workspace = opener(args) if opener else open_workspace(args.shot)
    changes = changes_from(args, dests)
    if extra is not None:
        changes.update(extra.changes(args, workspace))
    result = run_stage(workspace, name, changes, args.reporter)
    for line in result.lines:
        log.info("%s", line)
