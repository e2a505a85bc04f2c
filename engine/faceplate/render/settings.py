"""Per-shot merge settings, with per-frame-range overrides (stored in the workspace manifest)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields, replace

from faceplate.errors import RenderError
from faceplate.media import FrameRange
from faceplate.render.colour_transfer import MODES

MASK_PARTS = ("predicted", "learned", "landmark")
BLENDS = ("overlay", "seamless")
LAYER_FORMATS = ("exr", "png", "tif")


@dataclass(frozen=True)
class MergeSettings:
    """How one frame is merged. Lengths are plate pixels."""

    colour_transfer: str = "rct"
    blend: str = "overlay"
    mask: str = "predicted+landmark"  # parts intersected: predicted, learned, landmark
    erode_px: float = 2.0  # >0 shrinks the matte, <0 grows it
    feather_px: float = 8.0
    sharpen: float = 0.0
    grain: bool = False
    smoothing_frames: int = 2  # landmarks averaged over +-N frames of the same track (no jitter)

    def __post_init__(self) -> None:
        if self.colour_transfer not in MODES:
            raise RenderError(f"colour_transfer {self.colour_transfer!r} is not one of {', '.join(MODES)}")
        if self.blend not in BLENDS:
            raise RenderError(f"blend {self.blend!r} is not one of {', '.join(BLENDS)}")
        unknown = set(self.mask_parts) - set(MASK_PARTS)
        if unknown or not self.mask_parts:
            raise RenderError(f"mask {self.mask!r}: use parts from {', '.join(MASK_PARTS)} joined by '+'")

    @property
    def mask_parts(self) -> tuple[str, ...]:
        return tuple(p for p in self.mask.split("+") if p)


@dataclass(frozen=True)
class RangeOverride:
    frames: str  # "1010-1020"
    changes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RenderSettings:
    merge: MergeSettings = MergeSettings()
    overrides: tuple[RangeOverride, ...] = ()
    layer_format: str = "exr"
    name: str = "faceplate"  # output file prefix
    batch: int = 8
    preview: bool = True

    def __post_init__(self) -> None:
        if self.layer_format not in LAYER_FORMATS:
            raise RenderError(f"layer format {self.layer_format!r} is not one of {', '.join(LAYER_FORMATS)}")
        for override in self.overrides:
            FrameRange.parse(override.frames)
            self._apply(override)  # fail now on a bad field, not at frame 1087

    def _apply(self, override: RangeOverride) -> MergeSettings:
        known = {f.name for f in fields(MergeSettings)}
        bad = set(override.changes) - known
        if bad:
            raise RenderError(f"override for frames {override.frames}: unknown setting(s) {', '.join(sorted(bad))}; "
                              f"known: {', '.join(sorted(known))}")
        return replace(self.merge, **override.changes)

    def merge_for(self, frame: int) -> MergeSettings:
        """Shot settings with every override whose range holds ``frame`` applied in order."""
        merge = self.merge
        for override in self.overrides:
            if frame in FrameRange.parse(override.frames):
                merge = replace(merge, **override.changes)
        return merge

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True, default=str).encode()).hexdigest()[:16]


def settings_from_dict(stored: dict | None) -> RenderSettings:
    """RenderSettings from the manifest's ``settings.render`` (as ``asdict`` wrote it)."""
    stored = stored or {}
    merge = MergeSettings(**stored.get("merge", {}))
    overrides = tuple(RangeOverride(o["frames"], o.get("changes", {})) for o in stored.get("overrides", []))
    rest = {k: v for k, v in stored.items() if k not in ("merge", "overrides")}
    return RenderSettings(merge=merge, overrides=overrides, **rest)
