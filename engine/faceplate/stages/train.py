"""Stages 5-6, train: the workspace's source and destination facesets -> a swap model.

    SHOT/model/  checkpoints/<iteration:08d>/, latest.json, best.json, previews/, loss.jsonl, loss.png

A run resumes the workspace's model where it stopped (same loss curve); ``init_from`` starts a
new model from another model's weights (an identity model fine-tuned per shot); ``resume=False``
moves an existing model aside to ``model.previous/`` and starts again (the old model is put back
if the new one fails before its first trained checkpoint). A cancel saves a checkpoint first.
"""

from __future__ import annotations

from faceplate.reporting import Reporter, StageResult
from faceplate.training.settings import TrainStageSettings
from faceplate.training.shot import train_model
from faceplate.workspace import Workspace

SETTINGS = TrainStageSettings


def run(workspace: Workspace, settings: TrainStageSettings, reporter: Reporter) -> StageResult:
    """Train (or continue training) the shot's swap model until the settings' target."""
    return train_model(workspace, settings, reporter, "train", ("source", "destination"))
