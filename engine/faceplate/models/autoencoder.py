"""The two swap architectures, written as our own modules in the manner of DeepFaceLab's SAEHD.

- ``df``:   shared encoder + shared inter, one decoder per identity (decoder_src, decoder_dst).
- ``liae``: shared encoder, inter_AB (both identities) + inter_B (destination only), one shared
            decoder. src code = [AB(src), AB(src)], dst code = [B(dst), AB(dst)],
            swap code = [AB(dst), AB(dst)].

Every model has ``reconstruct_src``, ``reconstruct_dst`` and ``swap`` (dst -> src), each
returning ``(rgb [B,3,R,R], mask [B,1,R,R])`` in [0, 1].
"""

from __future__ import annotations

import importlib

import torch
from torch import nn

from faceplate.models.blocks import Decoder, Encoder, Inter
from faceplate.models.config import ModelConfig, architecture

Output = tuple[torch.Tensor, torch.Tensor]


class DFModel(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.encoder = Encoder(config.e_dims)
        self.inter = Inter(self.encoder.out_ch, config.lowest_res, config.ae_dims, config.ae_dims)
        self.decoder_src = Decoder(config.ae_dims, config.d_dims, config.d_mask_dims)
        self.decoder_dst = Decoder(config.ae_dims, config.d_dims, config.d_mask_dims)

    def reconstruct_src(self, x: torch.Tensor) -> Output:
        return self.decoder_src(self.inter(self.encoder(x)))

    def reconstruct_dst(self, x: torch.Tensor) -> Output:
        return self.decoder_dst(self.inter(self.encoder(x)))

    def swap(self, x: torch.Tensor) -> Output:
        return self.reconstruct_src(x)

    def forward_pair(self, src: torch.Tensor, dst: torch.Tensor) -> tuple[Output, Output]:
        """Both reconstructions, with one encoder pass over the concatenated batch."""
        codes = self.inter(self.encoder(torch.cat([src, dst])))
        code_src, code_dst = codes.split([src.shape[0], dst.shape[0]])
        return self.decoder_src(code_src), self.decoder_dst(code_dst)

    def generator_parts(self) -> dict[str, nn.Module]:
        return {
            "encoder": self.encoder,
            "inter": self.inter,
            "decoder": self.decoder_src,
            "own_decoder": self.decoder_dst,
        }


class LIAEModel(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        self.encoder = Encoder(config.e_dims)
        cin, lowest = self.encoder.out_ch, config.lowest_res
        self.inter_ab = Inter(cin, lowest, config.ae_dims, config.ae_dims)
        self.inter_b = Inter(cin, lowest, config.ae_dims, config.ae_dims)
        self.decoder = Decoder(config.ae_dims * 2, config.d_dims, config.d_mask_dims)

    def reconstruct_src(self, x: torch.Tensor) -> Output:
        ab = self.inter_ab(self.encoder(x))
        return self.decoder(torch.cat([ab, ab], 1))

    def reconstruct_dst(self, x: torch.Tensor) -> Output:
        e = self.encoder(x)
        return self.decoder(torch.cat([self.inter_b(e), self.inter_ab(e)], 1))

    def swap(self, x: torch.Tensor) -> Output:
        return self.reconstruct_src(x)

    def forward_pair(self, src: torch.Tensor, dst: torch.Tensor) -> tuple[Output, Output]:
        n = src.shape[0]
        e = self.encoder(torch.cat([src, dst]))
        ab = self.inter_ab(e)
        b_dst = self.inter_b(e[n:])
        code = torch.cat([torch.cat([ab[:n], ab[:n]], 1), torch.cat([b_dst, ab[n:]], 1)])
        rgb, mask = self.decoder(code)
        return (rgb[:n], mask[:n]), (rgb[n:], mask[n:])

    def generator_parts(self) -> dict[str, nn.Module]:
        return {
            "encoder": self.encoder,
            "inter": self.inter_ab,
            "decoder": self.decoder,
            "own_decoder": self.decoder,
            "own_inter": self.inter_b,
        }


def build_model(config: ModelConfig) -> nn.Module:
    """The full training model for ``config.arch`` (float32, on the CPU), the class its architecture names."""
    module, name = architecture(config.arch).model.split(":")
    return getattr(importlib.import_module(module), name)(config)
