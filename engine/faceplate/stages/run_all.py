"""`faceplate run`: every stage in order on one workspace, each skipping work already done.

The same stage functions the CLI subcommands, the server and farm tasks call; nothing here
does work of its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from faceplate.curate.rules import CurateSettings
from faceplate.render.settings import settings_from_dict
from faceplate.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass
class RunSettings:
    train: dict = field(default_factory=dict)  # changes to what the shot remembers for train ({"train.lr": 1e-4})
    curate: CurateSettings = field(default_factory=CurateSettings)
    learned_masks: bool = True


def run_all(workspace: Workspace, settings: RunSettings, show_progress: bool = True, reporter=None) -> dict:
    from faceplate.stages.curate import curate
    from faceplate.stages.runner import run_stage
    from faceplate.stages.extract import extract
    from faceplate.stages.mask import MaskSettings, mask
    from faceplate.stages.render import render

    steps = {}
    log.info("1/6 extract")
    steps["extract"] = extract(workspace, show_progress=show_progress)
    log.info("2/6 curate")
    steps["curate"] = curate(workspace, settings.curate)
    log.info("3/6 mask")
    steps["mask"] = mask(workspace, MaskSettings(learned=settings.learned_masks))
    log.info("4/6 train")
    steps["train"] = run_stage(workspace, "train", settings.train, reporter)
    log.info("5/6 export")
    steps["export"] = run_stage(workspace, "export")
    log.info("6/6 render")
    render_settings = settings_from_dict(workspace.manifest.settings.get("render"))
    steps["render"] = render(workspace, render_settings, show_progress=show_progress)
    return steps
