"""The swap model's configuration: a dataclass saved inside every checkpoint and export.

Defaults follow the spirit of DeepFaceLab's SAEHD (res 128, liae, ae 256, e 64, d 64).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields

from faceplate.errors import TrainError

SCHEMA = "ModelConfig.1"


@dataclass(frozen=True)
class Architecture:
    """One swap architecture: what the config, the training settings, the builder and the generator read."""

    name: str
    model: str  # "module:Class" of its training model (torch: imported when a model is built)
    summary: str
    doubled_code: bool  # the generator's decoder reads the swap code twice, [inter(x), inter(x)]


ARCHITECTURES = (
    Architecture(
        "liae",
        "faceplate.models.autoencoder:LIAEModel",
        "shared encoder, inter_AB + inter_B, one shared decoder",
        doubled_code=True,
    ),
    Architecture(
        "df",
        "faceplate.models.autoencoder:DFModel",
        "shared encoder and inter, one decoder per identity",
        doubled_code=False,
    ),
)
ARCHS = tuple(a.name for a in ARCHITECTURES)
FACE_TYPES = ("half", "full", "whole_face", "head")


@dataclass(frozen=True)
class ModelConfig:
    arch: str = "liae"  # one of ARCHITECTURES
    resolution: int = 128  # square crop size the network sees; 64..512, multiple of 16
    ae_dims: int = 256  # bottleneck width (dense code)
    e_dims: int = 64  # encoder width (first conv)
    d_dims: int = 64  # RGB decoder width
    d_mask_dims: int = 22  # mask head width
    face_type: str = "whole_face"
    working_space: str = "sRGB"  # colour space the crops are in (input and output of the generator)

    def __post_init__(self) -> None:
        validate_config(self)

    @property
    def lowest_res(self) -> int:
        """Spatial size of the code after the encoder (four stride-2 convs)."""
        return self.resolution // 16

    def to_dict(self) -> dict:
        return {"schema": SCHEMA, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        data = dict(data)
        schema = data.pop("schema", SCHEMA)
        if schema != SCHEMA:
            raise TrainError(f"model config has schema {schema!r}, this engine reads {SCHEMA}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise TrainError(f"model config has unknown fields {unknown}; it was written by a newer engine")
        return cls(**data)

    def config_hash(self) -> str:
        """Short stable hash of everything that shapes the weights (for export and reuse checks)."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def architecture(name: str) -> Architecture:
    """The architecture called ``name``; TrainError naming the known ones otherwise."""
    for candidate in ARCHITECTURES:
        if candidate.name == name:
            return candidate
    raise TrainError(f"arch {name!r} is not one of {', '.join(ARCHS)}")


def validate_config(config: ModelConfig) -> None:
    architecture(config.arch)
    r = config.resolution
    if not isinstance(r, int) or r < 64 or r > 512 or r % 16:
        raise TrainError(f"resolution {r} must be a multiple of 16 between 64 and 512 (e.g. 128, 192, 256)")
    for name in ("ae_dims", "e_dims", "d_dims", "d_mask_dims"):
        value = getattr(config, name)
        if not isinstance(value, int) or value < 4 or value > 4096:
            raise TrainError(f"{name}={value} must be an integer between 4 and 4096")
    if config.face_type not in FACE_TYPES:
        raise TrainError(f"face_type {config.face_type!r} is not one of {', '.join(FACE_TYPES)}")
