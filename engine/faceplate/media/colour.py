"""Colour conversion between a plate's colour space and the working space, with OpenColorIO.

The network trains and detects in display-referred sRGB; plates may be scene-linear (ACEScg,
linear Rec.709) or display-referred. The built-in ACES CG config (``ocio://default``) needs no
download. Images are ``["H", "W", 3]`` float32 RGB unless stated.
"""

from __future__ import annotations

import difflib

import numpy as np
import PyOpenColorIO as ocio

from faceplate.errors import ColourError
from faceplate.media.pixels import to_float01
from faceplate.media.plate import PlateInfo

WORKING_SPACE = "sRGB Encoded Rec.709 (sRGB)"
LINEAR_SPACE = "Linear Rec.709 (sRGB)"
DEFAULT_CONFIG = "ocio://default"


def load_config(config: str | ocio.Config = DEFAULT_CONFIG) -> ocio.Config:
    """An OCIO config from a path, an ``ocio://`` URI, or a config object passed through."""
    if isinstance(config, ocio.Config):
        return config
    try:
        return ocio.Config.CreateFromFile(str(config))
    except ocio.Exception as exc:
        raise ColourError(
            f"cannot load OCIO config {config}: {exc}; give a readable .ocio file or ocio://default"
        ) from exc


def list_colour_spaces(config: str | ocio.Config = DEFAULT_CONFIG) -> list[str]:
    """Every colour space name in ``config``, in the config's order."""
    return list(load_config(config).getColorSpaceNames())


def resolve_colour_space(config: ocio.Config, name: str) -> str:
    """The config's own name for ``name``: case-insensitive, aliases ('acescg', 'srgb_tx') and roles ('scene_linear')."""
    space = config.getColorSpace(name)
    if space is not None:
        return space.getName()
    names = list(config.getColorSpaceNames())
    candidates = names + [alias for n in names for alias in config.getColorSpace(n).getAliases()]
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
    examples = ", ".join(repr(n) for n in ("ACEScg", LINEAR_SPACE, WORKING_SPACE, "Raw") if n in names)
    raise ColourError(
        f"unknown colour space {name!r} in OCIO config {config.getName() or 'in use'}; {hint}"
        f"common ones: {examples}; list all {len(names)} with faceplate.media.colour.list_colour_spaces()"
    )


class ColourTransform:
    """Convert between ``plate_space`` and ``working_space`` with cached OCIO CPU processors."""

    def __init__(
        self, plate_space: str, working_space: str = WORKING_SPACE, config: str | ocio.Config = DEFAULT_CONFIG
    ) -> None:
        cfg = load_config(config)
        self.plate_space = resolve_colour_space(cfg, plate_space)
        self.working_space = resolve_colour_space(cfg, working_space)
        self._to_working = self._to_plate = None
        self.is_identity = self.plate_space == self.working_space
        if not self.is_identity:
            forward = _processor(cfg, self.plate_space, self.working_space)
            # 'Raw' and other data spaces give a no-op processor: treat those as identity too.
            self.is_identity = forward.isNoOp()
            self._to_working = _cpu(forward)
            self._to_plate = _cpu(_processor(cfg, self.working_space, self.plate_space))

    def __repr__(self) -> str:
        return f"ColourTransform({self.plate_space!r} -> {self.working_space!r})"

    def to_working(self, img: np.ndarray) -> np.ndarray:
        """Plate-space pixels (any dtype, see ``to_float01``) -> working-space float32."""
        return self._apply(self._to_working, img)

    def to_plate(self, img: np.ndarray) -> np.ndarray:
        """Working-space pixels -> plate-space float32."""
        return self._apply(self._to_plate, img)

    def _apply(self, cpu: "ocio.CPUProcessor | None", img: np.ndarray) -> np.ndarray:
        pixels = to_float01(np.asarray(img))
        if self.is_identity:
            return np.ascontiguousarray(pixels)
        if pixels.ndim != 3 or pixels.shape[2] != 3:
            raise ColourError(f"colour conversion {self} expects [H, W, 3] RGB pixels, got shape {pixels.shape}")
        out = np.array(pixels, dtype=np.float32, order="C", copy=True)  # OCIO works in place
        cpu.apply(ocio.PackedImageDesc(out, out.shape[1], out.shape[0], 3))
        return out


def _processor(config: ocio.Config, src: str, dst: str) -> "ocio.Processor":
    try:
        return config.getProcessor(src, dst)
    except ocio.Exception as exc:
        raise ColourError(f"OCIO cannot convert {src!r} to {dst!r}: {exc}; pick another plate colour space") from exc


def _cpu(processor: "ocio.Processor") -> "ocio.CPUProcessor":
    # LOSSLESS, not the default optimisation: measured on this config, a default-processor round
    # trip drifts ~4e-5 of the pixel value, LOSSLESS ~7e-7, for ~40% more time. The comp layer
    # goes back over the plate, so the round trip should be exact to half-float precision.
    return processor.getOptimizedCPUProcessor(ocio.OPTIMIZATION_LOSSLESS)


def default_plate_space(info: PlateInfo) -> str:
    """Float EXRs are assumed linear Rec.709; integer images and video display-referred sRGB."""
    return LINEAR_SPACE if info.is_float else WORKING_SPACE


def working_uint8(img: np.ndarray, transform: ColourTransform) -> np.ndarray:
    """Plate pixels -> working-space uint8 RGB (what the face detector sees), clipped to 0..255."""
    if transform.is_identity and img.dtype == np.uint8:
        return np.ascontiguousarray(img)  # the common case: 8-bit video, nothing to do
    if transform.is_identity and img.dtype == np.uint16:
        return ((img.astype(np.uint32) + 128) // 257).astype(np.uint8)  # round(v * 255 / 65535)
    working = np.clip(transform.to_working(img), 0.0, 1.0)  # a new array: never scale the caller's pixels
    working *= 255.0
    working += 0.5
    return working.astype(np.uint8)
