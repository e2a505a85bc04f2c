"""The learned face mask: a small U-Net (XSeg-like) that tells face from occluder in a crop.

Shapes: input ``["B", 3, "R", "R"]`` float RGB in [0, 1]; output ``["B", 1, "R", "R"]`` face
probability in [0, 1]. ``XSegConfig`` is saved with every checkpoint (``config.json`` beside
``model.safetensors``) so loading and export rebuild the exact model.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from faceplate.atomic import atomic_path, write_text_atomic
from faceplate.errors import MaskError

SCHEMA = "XSeg.1"
WEIGHTS_NAME, CONFIG_NAME = "model.safetensors", "config.json"


@dataclass
class XSegConfig:
    resolution: int = 256  # the model's input/output size; crops are resized to it
    face_type: str = "whole_face"  # face type of the crops it was trained on
    base: int = 16  # channels of the first level, doubled per level
    depth: int = 4  # down/up levels; resolution must divide by 2**depth
    schema: str = SCHEMA

    def __post_init__(self) -> None:
        if self.resolution % (2**self.depth):
            raise ValueError(f"resolution {self.resolution} must divide by 2**depth = {2**self.depth}")


def conv_block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1),
        nn.LeakyReLU(0.1, inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1),
        nn.LeakyReLU(0.1, inplace=True),
    )


class XSegNet(nn.Module):
    def __init__(self, config: XSegConfig):
        super().__init__()
        self.config = config
        widths = [config.base * 2**i for i in range(config.depth + 1)]
        self.down = nn.ModuleList(
            [conv_block(3, widths[0])] + [conv_block(widths[i], widths[i + 1]) for i in range(config.depth)]
        )
        self.up = nn.ModuleList(
            [nn.ConvTranspose2d(widths[i + 1], widths[i], 2, stride=2) for i in reversed(range(config.depth))]
        )
        self.merge = nn.ModuleList([conv_block(2 * widths[i], widths[i]) for i in reversed(range(config.depth))])
        self.head = nn.Conv2d(widths[0], 1, 1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """``[B, 3, R, R]`` in [0, 1] -> ``[B, 1, R, R]`` face probability."""
        return torch.sigmoid(self.logits(image))

    def logits(self, image: torch.Tensor) -> torch.Tensor:
        x = (image - 0.5) * 4.0
        skips = []
        for i, block in enumerate(self.down):
            x = block(x if i == 0 else self.pool(x))
            skips.append(x)
        for up, merge, skip in zip(self.up, self.merge, reversed(skips[:-1])):
            x = merge(torch.cat([up(x), skip], dim=1))
        return self.head(x)


def save_checkpoint(folder: Path, model: XSegNet, extra: dict | None = None) -> Path:
    """``folder/model.safetensors`` + ``folder/config.json`` (config dataclass + training facts)."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(folder / WEIGHTS_NAME) as tmp:
        save_file({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}, str(tmp))
    write_text_atomic(
        folder / CONFIG_NAME, json.dumps({"config": asdict(model.config), **(extra or {})}, indent=1) + "\n"
    )
    return folder


def load_checkpoint(folder: Path) -> tuple[XSegNet, dict]:
    from safetensors.torch import load_file

    folder = Path(folder)
    try:
        meta = json.loads((folder / CONFIG_NAME).read_text(encoding="utf-8"))
        config = XSegConfig(**meta["config"])
        if config.schema != SCHEMA:
            raise MaskError(f"mask model {folder} has schema {config.schema!r}, this engine reads {SCHEMA}")
        model = XSegNet(config)
        model.load_state_dict(load_file(str(folder / WEIGHTS_NAME)))
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise MaskError(
            f"mask model checkpoint {folder} is missing or damaged ({exc}); retrain with `faceplate mask --train`"
        ) from exc
    return model.eval(), meta
