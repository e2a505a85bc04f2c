"""Render settings: per-shot merge settings, per-frame-range overrides, output format, and what
one run renders (frames, model, device). Validated on construction, remembered by the shot.

Imports no torch (the CLI builds its flags from here).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any, Literal

from pydantic import ValidationInfo, field_validator

from faceplate.errors import FaceplateError
from faceplate.media.frames import check_frame_list, in_spans, parse_frame_spans
from faceplate.settings import RootedPath, allowed_text, field_info, flat_fields, setting, stage_settings

MASK_PARTS = ("predicted", "learned", "landmark")
ColourTransfer = Literal["none", "rct", "lct", "mkl", "idt", "sot"]  # render.colour_transfer.MODES (a test checks)


@stage_settings(frozen=True)
class MergeSettings:
    """How one frame is merged. Lengths are plate pixels."""

    colour_transfer: ColourTransfer = setting("rct", "match the face's colour to the plate", flag="--colour-transfer")
    blend: Literal["overlay", "seamless"] = setting(
        "overlay", "overlay, or seamless (Poisson) blending into the plate", flag="--blend"
    )
    mask: str = setting(
        "predicted+landmark", "masks to intersect, joined by '+': predicted, learned, landmark", flag="--mask"
    )
    erode_px: float = setting(2.0, "matte erosion in plate pixels (negative grows it)", ge=-500, le=500, flag="--erode")
    feather_px: float = setting(8.0, "matte feather in plate pixels", ge=0, le=1000, flag="--feather")
    forehead: float = setting(
        0.12,
        "without a learned mask, the matte fades out above the brows over this fraction "
        "of the brow-to-chin height, so the source's hair stays off the plate's forehead "
        "(0: stop at the brows)",
        ge=0,
        le=1.0,
        flag="--forehead",
    )
    occlusion: Literal["auto", "on", "off"] = setting(
        "auto",
        "keep what stands in front of the face from the plate: hands and props, found where the destination "
        "model's own reconstruction cannot draw the plate, and the plate's glasses (thin dark frames around the "
        "eyes): auto when no learned mask is used, on always, off never",
        flag="--occlusion",
    )
    occlusion_threshold: float = setting(
        1.5,
        "how surprising the plate must be beside that reconstruction to count as an occluder, in "
        "multiples of what the model is expected to miss there (lower keeps more from the plate; near 1 "
        "the face's own unexplained patches start to go)",
        ge=0.5,
        le=50,
        flag="--occlusion-threshold",
    )
    detail: float = setting(
        0.0,
        "bring back the plate's own fine detail (skin texture, grain) finer than the model draws, over the skin "
        "outside the brows, eyes and mouth: 0 none, 1 all of it",
        ge=0,
        le=1,
        flag="--detail",
    )
    sharpen: float = setting(0.0, "unsharp-mask amount on the new face", ge=0, le=10, flag="--sharpen")
    grain: bool = setting(False, "add grain matching the plate's", flag="--grain")
    smoothing_frames: int = setting(
        2, "landmarks averaged over +-N frames of the same track (no jitter)", ge=0, le=100, flag="--smoothing"
    )

    @field_validator("mask")
    @classmethod
    def _known_parts(cls, mask: str) -> str:
        parts = [p for p in mask.split("+") if p]
        if not parts or set(parts) - set(MASK_PARTS):
            raise ValueError(f"{mask!r}: use parts from {', '.join(MASK_PARTS)} joined by '+'")
        return mask

    @property
    def mask_parts(self) -> tuple[str, ...]:
        return tuple(p for p in self.mask.split("+") if p)

    def finds_occluders(self, learned_in_use: bool) -> bool:
        """Whether the reconstruction cue takes occluders out of the matte (``auto``: without a learned mask)."""
        return self.occlusion == "on" or (self.occlusion == "auto" and not learned_in_use)


MERGE_KEYS = tuple(f.name for f in dataclasses.fields(MergeSettings))


def merge_key(name: str) -> str | None:
    """A MergeSettings field from its name or its flag's (``feather_px``, ``feather``, ``colour-transfer``)."""
    for path, info in flat_fields(MergeSettings):
        flag = (info.json_schema_extra or {}).get("flag") or ""
        if name in (path, flag.removeprefix("--"), flag.removeprefix("--").replace("-", "_")):
            return path
    return None


@stage_settings(frozen=True)
class RangeOverride:
    frames: str = setting(..., "plate frames it applies to, e.g. 1040-1060 or 1040-1060,1070")
    changes: dict[str, Any] = setting(default_factory=dict, help="MergeSettings fields and values for those frames")

    def __post_init__(self) -> None:
        try:
            parse_frame_spans(self.frames)
        except FaceplateError as exc:
            raise ValueError(f"override frames {self.frames!r}: {exc}") from None


def _frames_of(override: RangeOverride) -> tuple:
    return parse_frame_spans(override.frames)


@stage_settings
class RenderSettings:
    merge: MergeSettings = setting(default_factory=MergeSettings, help="merge settings for the whole shot")
    overrides: tuple[RangeOverride, ...] = setting(
        (),
        "merge settings for frame ranges, applied in order "
        "(CLI: --override FRAMES:KEY=VALUE[,KEY=VALUE], added to the stored ones)",
        flag="--override",
    )
    layer_format: Literal["exr", "png", "tif"] = setting("exr", "comp layer file format", flag="--layer-format")
    name: str = setting("faceplate", "output file prefix")
    batch: int = setting(8, "faces per generator call", ge=1, le=256)
    preview: bool = setting(True, "write preview composites and a review movie", flag="--preview")
    frames: str | None = setting(None, "subset to render, plate numbers, e.g. 1001-1010,1050", remember=False)
    model: RootedPath | None = setting(
        None,
        "generator .onnx (default: SHOT/export/generator.onnx, or generator.fp16.onnx "
        "when exported and running on CUDA)",
        remember=False,
    )
    device: Literal["auto", "cpu", "cuda"] = setting("auto", "where the generator runs", remember=False)
    waive_consent: bool = setting(
        False,
        "render a shot that has no consent reference; the waiver is written into every output (CLI: --no-consent-ref)",
        remember=False,
    )
    sign_cert: RootedPath | None = setting(
        None,
        "PEM certificate chain to sign the review movie and preview frames with "
        "(C2PA content credentials; CLI: --sign CERT KEY)",
        remember=False,
    )
    sign_key: RootedPath | None = setting(None, "PEM private key of sign_cert", remember=False)

    def __post_init__(self) -> None:
        if not self.name or any(c in self.name for c in "/\\") or self.name.startswith("."):
            raise ValueError(f"name {self.name!r}: give a plain file prefix such as faceplate")
        if (self.sign_cert is None) != (self.sign_key is None):
            raise ValueError("signing needs both a certificate and its key (--sign CERT KEY)")
        if self.sign_cert is not None and not self.preview:
            raise ValueError("--sign signs the review movie and preview frames: drop --no-preview")

    _frames_listed = field_validator("frames")(check_frame_list)

    @field_validator("overrides")
    @classmethod
    def _overrides_apply(cls, overrides: tuple[RangeOverride, ...], info: ValidationInfo):
        merge = info.data.get("merge") or MergeSettings()
        for override in overrides:
            cls._apply(merge, override)  # fail now on a bad field or value, not at frame 1087
        return overrides

    @staticmethod
    def _apply(merge: MergeSettings, override: RangeOverride) -> MergeSettings:
        bad = set(override.changes) - set(MERGE_KEYS)
        if bad:
            raise ValueError(
                f"override for frames {override.frames}: unknown setting(s) {', '.join(sorted(bad))}; "
                f"known: {', '.join(MERGE_KEYS)}"
            )
        try:
            return dataclasses.replace(merge, **override.changes)
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            raise ValueError(f"override for frames {override.frames}: {describe_merge_error(exc)}") from None

    def merge_for(self, frame: int) -> MergeSettings:
        """Shot settings with every override whose frames hold ``frame`` applied in order."""
        merge = self.merge
        for override in self.overrides:
            if in_spans(frame, _frames_of(override)):
                merge = dataclasses.replace(merge, **override.changes)
        return merge

    def frame_digest(self, frame: int, extra: dict | None = None) -> str:
        """What decides the pixels of ``frame``'s files besides the model: its merge settings, the
        layer format and ``extra`` (learned mask model, faces). Two frames with equal digests were
        made the same way."""
        made_with = {
            "merge": dataclasses.asdict(self.merge_for(frame)),
            "layer_format": self.layer_format,
            **(extra or {}),
        }
        return hashlib.sha256(json.dumps(made_with, sort_keys=True, default=str).encode()).hexdigest()[:16]


def describe_merge_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        error = errors()[0]
        where = ".".join(str(p) for p in error.get("loc", ()))
        allowed = allowed_text(field_info(MergeSettings, where))
        return f"{where} {error.get('input')!r} is not allowed ({error.get('msg', '').lower()})" + (
            f"; allowed: {allowed}" if allowed else ""
        )
    return str(exc).removeprefix("Value error, ")
