"""The swap model's configuration: a dataclass saved inside every checkpoint and export.

Defaults follow the spirit of DeepFaceLab's SAEHD (res 128, liae, ae 256, e 64, d 64).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields

from faceplate.errors import TrainError

SCHEMA = "ModelConfig.1"
ARCHS = ("liae", "df")
FACE_TYPES = ("half", "full", "whole_face", "head")


@dataclass(frozen=True)
class ModelConfig:
    arch: str = "liae"  # liae: shared encoder, inter_AB + inter_B, shared decoder; df: one decoder per identity
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


def validate_config(config: ModelConfig) -> None:
    if config.arch not in ARCHS:
        raise TrainError(f"arch {config.arch!r} is not one of {', '.join(ARCHS)}")
    r = config.resolution
    if not isinstance(r, int) or r < 64 or r > 512 or r % 16:
        raise TrainError(f"resolution {r} must be a multiple of 16 between 64 and 512 (e.g. 128, 192, 256)")
    for name in ("ae_dims", "e_dims", "d_dims", "d_mask_dims"):
        value = getattr(config, name)
        if not isinstance(value, int) or value < 4 or value > 4096:
            raise TrainError(f"{name}={value} must be an integer between 4 and 4096")
    if config.face_type not in FACE_TYPES:
        raise TrainError(f"face_type {config.face_type!r} is not one of {', '.join(FACE_TYPES)}")
