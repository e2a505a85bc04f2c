"""`faceplate run`: every stage in order on one workspace, each skipping work already done.

The same stage functions the CLI subcommands, the server and farm tasks call; nothing here
does work of its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from faceplate.curate.rules import CurateSettings
from faceplate.models.config import ModelConfig
from faceplate.training.settings import TrainSettings
from faceplate.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass
class RunSettings:
    train: TrainSettings = field(default_factory=lambda: TrainSettings(iterations=20_000))
    model: ModelConfig = field(default_factory=ModelConfig)
    curate: CurateSettings = field(default_factory=CurateSettings)
    learned_masks: bool = True


def run_all(workspace: Workspace, settings: RunSettings, show_progress: bool = True) -> dict:
    from faceplate.stages.curate import curate
    from faceplate.stages.runner import run_stage
    from faceplate.stages.extract import extract
    from faceplate.stages.mask import MaskSettings, mask
    from faceplate.stages.train import train

    steps = {}
    log.info("1/6 extract")
    steps["extract"] = extract(workspace, show_progress=show_progress)
    log.info("2/6 curate")
    steps["curate"] = curate(workspace, settings.curate)
    log.info("3/6 mask")
    steps["mask"] = mask(workspace, MaskSettings(learned=settings.learned_masks))
    log.info("4/6 train")
    steps["train"] = train(workspace, settings.train, settings.model, show_progress=show_progress)
    log.info("5/6 export")
    steps["export"] = run_stage(workspace, "export")
    log.info("6/6 render")
    steps["render"] = run_stage(workspace, "render")
    return steps
