"""Stages 5-6, train: the workspace's source and destination facesets -> a swap model.

    SHOT/model/  checkpoints/<iteration:08d>/, latest.json, best.json, previews/, loss.jsonl, loss.png

A run resumes the workspace's model where it stopped (same loss curve); ``init_from`` starts a
new model from another model's weights (an identity model fine-tuned per shot); ``resume=False``
moves an existing model aside to ``model.previous/`` and starts again.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Callable

from faceplate.errors import TrainError
from faceplate.faces.faceset import read_faceset
from faceplate.models.config import ModelConfig
from faceplate.training import checkpoint as ckpt
from faceplate.training.data import load_faces
from faceplate.training.loop import TrainLoop, TrainResult
from faceplate.training.settings import TrainSettings
from faceplate.training.trainer import Trainer, check_compatible, describe_device
from faceplate.workspace import Workspace

log = logging.getLogger(__name__)
MODEL_DIR = "model"


def model_dir(workspace: Workspace) -> Path:
    return workspace.root / MODEL_DIR


def train(workspace: Workspace, settings: TrainSettings | None = None, config: ModelConfig | None = None,
          init_from: str | Path | None = None, resume: bool = True, show_progress: bool = True,
          on_step: Callable | None = None) -> TrainResult:
    """Train (or continue training) the shot's swap model until the settings' target."""
    settings = settings or TrainSettings()
    folder = model_dir(workspace)
    inputs = {role: str(workspace.faceset_dir(role).relative_to(workspace.root)) for role in ("source", "destination")}
    parameters = {"settings": settings.to_dict(), "model": config.to_dict() if config else None,
                  "init_from": str(init_from) if init_from else None, "resume": resume}
    with workspace.stage_run("train", inputs | {"init_from": parameters["init_from"]}, parameters) as run:
        latest = _resume_point(folder, resume)
        config = _choose_config(workspace, config, latest, init_from)
        src = load_faces(workspace.faceset_dir("source"), config.resolution, settings.min_faces)
        dst = load_faces(workspace.faceset_dir("destination"), config.resolution, settings.min_faces)
        trainer = Trainer(config, settings)
        log.info(describe_device(trainer.device, trainer.dtype))
        if latest is not None:
            trainer.restore(latest)
            log.info("resuming %s from iteration %d", folder, trainer.iteration)
        elif init_from:
            source = ckpt.resolve_checkpoint(Path(init_from))
            trainer.restore(source, with_state=False)
            log.info("starting from the weights of %s", source)
        result = TrainLoop(trainer, src, dst, folder, show_progress, on_step).run()
        run.outputs = {"model": MODEL_DIR, "checkpoint": str(Path(result.checkpoint).relative_to(workspace.root)),
                       "loss_log": f"{MODEL_DIR}/loss.jsonl", "loss_plot": f"{MODEL_DIR}/loss.png"}
        run.summary = result.summary() | {"src_faces": len(src.ids), "dst_faces": len(dst.ids),
                                          "config_hash": config.config_hash()}
    return result


def saved_settings(workspace: Workspace) -> TrainSettings | None:
    """Settings of the workspace model's latest checkpoint (None when there is no model yet)."""
    folder = model_dir(workspace)
    if ckpt.read_pointer(folder, "latest") is None:
        return None
    return TrainSettings.from_dict(ckpt.load_weights(ckpt.resolve_checkpoint(folder))[2]["train"])


def _resume_point(folder: Path, resume: bool) -> Path | None:
    has_model = ckpt.read_pointer(folder, "latest") is not None
    if not resume and folder.exists():
        previous = folder.with_name(MODEL_DIR + ".previous")
        shutil.rmtree(previous, ignore_errors=True)
        folder.rename(previous)
        log.info("moved the existing model aside to %s", previous)
        return None
    return ckpt.resolve_checkpoint(folder, prefer="latest") if has_model else None


def _choose_config(workspace: Workspace, wanted: ModelConfig | None, latest: Path | None,
                   init_from: str | Path | None) -> ModelConfig:
    """Resume: the checkpoint's config. Init-from: the identity model's. Else: ``wanted`` or defaults,
    with the facesets' face type."""
    face_type = _faceset_face_type(workspace)
    if latest is not None or init_from:
        found = ckpt.load_weights(latest or ckpt.resolve_checkpoint(Path(init_from)))[1]
        if wanted is not None:
            check_compatible(found, wanted, latest or Path(init_from))
        config = found
    else:
        config = wanted or ModelConfig()
    if config.face_type != face_type:
        if latest is not None or init_from:
            raise TrainError(f"the model was trained on {config.face_type} crops but the facesets are {face_type}; "
                             f"re-extract with --face-type {config.face_type} or train a new model")
        config = replace(config, face_type=face_type)
    return config


def _faceset_face_type(workspace: Workspace) -> str:
    types = {role: read_faceset(workspace.faceset_dir(role)).header.get("face_type", "whole_face")
             for role in ("source", "destination")}
    if len(set(types.values())) > 1:
        raise TrainError(f"source faces are {types['source']} but destination faces are {types['destination']}; "
                         "extract both with the same --face-type")
    return types["source"]
