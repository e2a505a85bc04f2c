"""The delivered model from a checkpoint: the training model with its weight average, and the generator
that export turns into ONNX (rebuilt from the config saved beside the weights)."""

from __future__ import annotations

from pathlib import Path

from torch import nn

from faceplate.models.autoencoder import build_model
from faceplate.models.config import ModelConfig
from faceplate.models.generator import SwapGenerator, generator_from_model
from faceplate.training.checkpoint import load_weights, resolve_checkpoint


def load_generator(path: str | Path) -> tuple[SwapGenerator, ModelConfig, dict]:
    """Generator from a checkpoint folder or a workspace model folder (best, else latest).

    Returns the generator (eval mode, float32, CPU), its config and info with at least
    ``iterations``, ``config_hash``, ``face_type``, ``resolution``, ``working_space``, ``run_id`` (the train
    run that wrote the checkpoint) and ``media`` (the footage it learnt from); both empty for older checkpoints.
    """
    model, config, sidecar, folder = load_model(path)
    generator = generator_from_model(model).eval()
    info = {
        "iterations": sidecar["iteration"],
        "config_hash": config.config_hash(),
        "face_type": config.face_type,
        "resolution": config.resolution,
        "working_space": config.working_space,
        "arch": config.arch,
        "checkpoint": str(folder),
        "run_id": sidecar.get("run_id", ""),
        "media": sidecar.get("media", ""),
    }
    return generator, config, info


def load_model(path: str | Path) -> tuple[nn.Module, ModelConfig, dict, Path]:
    """(full training model in eval mode, config, checkpoint meta, checkpoint folder) from a checkpoint
    folder or a workspace model folder (best, else latest), with the delivered weights: the run's
    weight average where the checkpoint has one."""
    folder = resolve_checkpoint(Path(path), prefer="best")
    weights, config, sidecar = load_weights(folder)
    model = build_model(config)
    model.load_state_dict(weights.get("average", weights["model"]))  # the averaged weights (training/average.py)
    return model.eval(), config, sidecar, folder
