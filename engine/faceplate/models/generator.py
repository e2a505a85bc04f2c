"""The dst -> src swap generator: the part of a trained model that rendering needs.

``SwapGenerator.forward(x)``: x ``[B, 3, R, R]`` float32 RGB in [0, 1] (a destination crop at the
model resolution, working space) -> ``(face [B, 3, R, R], mask [B, 1, R, R])``, both in [0, 1].
Static graph (the architecture branch is fixed at construction), so it exports to ONNX with a
dynamic batch axis.
"""

from __future__ import annotations

import torch
from torch import nn

from faceplate.models.config import ModelConfig, architecture


class SwapGenerator(nn.Module):
    def __init__(self, encoder: nn.Module, inter: nn.Module, decoder: nn.Module, config: ModelConfig):
        super().__init__()
        self.encoder, self.inter, self.decoder = encoder, inter, decoder
        self.config = config
        self.doubled = architecture(config.arch).doubled_code

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        code = self.inter(self.encoder(x))
        if self.doubled:
            code = torch.cat([code, code], 1)
        return self.decoder(code)


def generator_from_model(model: nn.Module) -> SwapGenerator:
    """The swap path of a training model (shares its weights)."""
    parts = model.generator_parts()
    return SwapGenerator(parts["encoder"], parts["inter"], parts["decoder"], model.config)
