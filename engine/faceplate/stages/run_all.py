"""`faceplate run`: every stage in order on one workspace, each skipping work already done.

The same stage functions the CLI subcommands, the server and farm tasks call; nothing here
does work of its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from faceplate.models.config import ModelConfig
from faceplate.training.settings import TrainSettings
from faceplate.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass
class RunSettings:
    train: TrainSettings = field(default_factory=lambda: TrainSettings(iterations=20_000))
    model: ModelConfig = field(default_factory=ModelConfig)
    curate: dict = field(default_factory=dict)  # changes on top of the curate settings the shot remembers
    learned_masks: bool = True  # False: landmark masks only; True: what the shot remembers


def run_all(workspace: Workspace, settings: RunSettings, show_progress: bool = True) -> dict:
    from faceplate.stages.runner import run_stage
    from faceplate.stages.train import train

    steps = {}
    log.info("1/6 extract")
    steps["extract"] = run_stage(workspace, "extract")
    log.info("2/6 curate")
    steps["curate"] = _logged(run_stage(workspace, "curate", settings.curate))
    log.info("3/6 mask")
    steps["mask"] = _logged(run_stage(workspace, "mask", {} if settings.learned_masks else {"landmark_only": True}))
    log.info("4/6 train")
    steps["train"] = train(workspace, settings.train, settings.model, show_progress=show_progress)
    log.info("5/6 export")
    steps["export"] = run_stage(workspace, "export")
    log.info("6/6 render")
    steps["render"] = run_stage(workspace, "render")
    return steps


def _logged(result):
    for line in result.lines:
        log.info("%s", line)
    return result
