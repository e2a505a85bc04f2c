"""The dst -> src swap generator: the part of a trained model that rendering needs.

``SwapGenerator.forward(x)``: x ``[B, 3, R, R]`` float32 RGB in [0, 1] (a destination crop at the
model resolution, working space) -> ``(face [B, 3, R, R], mask [B, 1, R, R])``, both in [0, 1].
Static graph (the architecture branch is fixed at construction), so it exports to ONNX with a
dynamic batch axis.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from faceplate.models.autoencoder import build_model
from faceplate.models.config import ModelConfig


class SwapGenerator(nn.Module):
    def __init__(self, encoder: nn.Module, inter: nn.Module, decoder: nn.Module, config: ModelConfig):
        super().__init__()
        self.encoder, self.inter, self.decoder = encoder, inter, decoder
        self.config = config
        self.doubled = config.arch == "liae"  # liae's decoder reads [AB(x), AB(x)]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        code = self.inter(self.encoder(x))
        if self.doubled:
            code = torch.cat([code, code], 1)
        return self.decoder(code)


def generator_from_model(model: nn.Module) -> SwapGenerator:
    """The swap path of a training model (shares its weights)."""
    parts = model.generator_parts()
    return SwapGenerator(parts["encoder"], parts["inter"], parts["decoder"], model.config)


def load_generator(path: str | Path) -> tuple[SwapGenerator, ModelConfig, dict]:
    """Generator from a checkpoint folder or a workspace model folder (best, else latest).

    Returns the generator (eval mode, float32, CPU), its config and info with at least
    ``iterations``, ``config_hash``, ``face_type``, ``resolution``, ``working_space``, ``run_id`` (the train
    run that wrote the checkpoint) and ``media`` (the footage it learnt from); both empty for older checkpoints.
    """
    model, config, sidecar, folder = load_model(path)
    generator = generator_from_model(model).eval()
    info = {"iterations": sidecar["iteration"], "config_hash": config.config_hash(), "face_type": config.face_type,
            "resolution": config.resolution, "working_space": config.working_space, "arch": config.arch,
            "checkpoint": str(folder), "run_id": sidecar.get("run_id", ""), "media": sidecar.get("media", "")}
    return generator, config, info


def load_model(path: str | Path) -> tuple[nn.Module, ModelConfig, dict, Path]:
    """(full training model in eval mode, config, checkpoint meta, checkpoint folder) from a checkpoint
    folder or a workspace model folder (best, else latest), with the delivered weights: the run's
    weight average where the checkpoint has one."""
    from faceplate.training.checkpoint import load_weights, resolve_checkpoint

    folder = resolve_checkpoint(Path(path), prefer="best")
    weights, config, sidecar = load_weights(folder)
    model = build_model(config)
    model.load_state_dict(weights.get("average", weights["model"]))  # the averaged weights (training/average.py)
    return model.eval(), config, sidecar, folder
