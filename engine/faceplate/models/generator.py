"""The dst -> src swap generator: the part of a trained model that rendering needs.

``SwapGenerator.forward(x)``: x ``[B, 3, R, R]`` float32 RGB in [0, 1] (a destination crop at the
model resolution, working space) -> ``(face [B, 3, R, R], mask [B, 1, R, R])``, both in [0, 1].
Static graph (the architecture branch is fixed at construction), so it exports to ONNX with a
dynamic batch axis.

``with_reconstruction`` adds the destination's own reconstruction of the same crop (its dst path,
sharing the encoder pass): render compares it with the plate to find what stands in front of the
face (render.occlusion), since an occluder is what the destination model cannot draw.
"""

from __future__ import annotations

import torch
from torch import nn

from faceplate.models.config import ModelConfig, architecture


class SwapGenerator(nn.Module):
    def __init__(
        self,
        encoder: nn.Module,
        inter: nn.Module,
        decoder: nn.Module,
        config: ModelConfig,
        own_decoder: nn.Module | None = None,
        own_inter: nn.Module | None = None,
    ):
        """``own_decoder`` (and liae's ``own_inter``, whose code goes before the shared one) draw the
        destination's own face: df's decoder_dst; liae's shared decoder reading [B(x), AB(x)]."""
        super().__init__()
        self.encoder, self.inter, self.decoder = encoder, inter, decoder
        self.own_decoder, self.own_inter = own_decoder, own_inter
        self.config = config
        self.doubled = architecture(config.arch).doubled_code

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self._swap(self.inter(self.encoder(x)))

    def _swap(self, code: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.decoder(torch.cat([code, code], 1) if self.doubled else code)

    def with_reconstruction(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(face, mask, the destination's reconstruction [B, 3, R, R]) with one encoder pass."""
        features = self.encoder(x)
        code = self.inter(features)
        own = code if self.own_inter is None else torch.cat([self.own_inter(features), code], 1)
        return (*self._swap(code), self.own_decoder(own)[0])


class ReconstructingGenerator(nn.Module):
    """The exported graph: ``forward`` returns the swap and the destination's reconstruction."""

    def __init__(self, generator: SwapGenerator):
        super().__init__()
        self.generator = generator

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return self.generator.with_reconstruction(x)


def generator_from_model(model: nn.Module) -> SwapGenerator:
    """The swap path of a training model (shares its weights)."""
    parts = model.generator_parts()
    return SwapGenerator(
        parts["encoder"], parts["inter"], parts["decoder"], model.config, parts["own_decoder"], parts.get("own_inter")
    )
