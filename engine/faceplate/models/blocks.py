"""Pure-tensor building blocks of the swap model: encoder, inter (bottleneck), decoder.

Shapes are stated as [B, C, H, W]. No data-dependent control flow, so every block exports
to ONNX with a dynamic batch axis.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

_SLOPE = 0.1


class Downscale(nn.Module):
    """[B, Cin, H, W] -> [B, Cout, H/2, W/2]: 5x5 stride-2 conv + leaky ReLU."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 5, stride=2, padding=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(self.conv(x), _SLOPE)


class Upscale(nn.Module):
    """[B, Cin, H, W] -> [B, Cout, 2H, 2W]: 3x3 conv to 4*Cout + pixel shuffle."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout * 4, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pixel_shuffle(F.leaky_relu(self.conv(x), _SLOPE), 2)


class ResidualBlock(nn.Module):
    """[B, C, H, W] -> same: two 3x3 convs with a skip, as in SAEHD's decoder."""

    def __init__(self, ch: int):
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.leaky_relu(self.conv1(x), 0.2)
        return F.leaky_relu(x + self.conv2(y), 0.2)


class Encoder(nn.Module):
    """[B, 3, R, R] -> [B, 8*e, R/16, R/16]."""

    def __init__(self, e_dims: int):
        super().__init__()
        widths = [3, e_dims, e_dims * 2, e_dims * 4, e_dims * 8]
        self.down = nn.Sequential(*[Downscale(a, b) for a, b in zip(widths[:-1], widths[1:])])
        self.out_ch = widths[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(x)


class Inter(nn.Module):
    """[B, Cin, L, L] -> [B, out_ch, 2L, 2L]: dense bottleneck of ``ae_dims``, back to a grid."""

    def __init__(self, cin: int, lowest: int, ae_dims: int, out_ch: int):
        super().__init__()
        self.lowest, self.out_ch = lowest, out_ch
        self.dense1 = nn.Linear(cin * lowest * lowest, ae_dims)
        self.dense2 = nn.Linear(ae_dims, lowest * lowest * out_ch)
        self.up = Upscale(out_ch, out_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        code = self.dense2(self.dense1(torch.flatten(x, 1)))
        return self.up(code.reshape(-1, self.out_ch, self.lowest, self.lowest))


class Decoder(nn.Module):
    """[B, Cin, R/8, R/8] -> (rgb [B, 3, R, R], mask [B, 1, R, R]), both in [0, 1].

    The mask head is a narrower upscaling path from the same code.
    """

    def __init__(self, cin: int, d_dims: int, d_mask_dims: int):
        super().__init__()
        rgb = [cin, d_dims * 8, d_dims * 4, d_dims * 2]
        mask = [cin, d_mask_dims * 8, d_mask_dims * 4, d_mask_dims * 2]
        self.rgb_up = nn.ModuleList(Upscale(a, b) for a, b in zip(rgb[:-1], rgb[1:]))
        self.rgb_res = nn.ModuleList(ResidualBlock(b) for b in rgb[1:])
        self.rgb_out = nn.Conv2d(rgb[-1], 3, 1)
        self.mask_up = nn.Sequential(*[Upscale(a, b) for a, b in zip(mask[:-1], mask[1:])])
        self.mask_out = nn.Conv2d(mask[-1], 1, 1)

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = z
        for up, res in zip(self.rgb_up, self.rgb_res):
            x = res(up(x))
        rgb = torch.sigmoid(self.rgb_out(x))
        mask = torch.sigmoid(self.mask_out(self.mask_up(z)))
        return rgb, mask
