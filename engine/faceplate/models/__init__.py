"""Swap models (stage 5): configuration, architectures (df, liae), the exported generator.

Names load on first use: ``faceplate.models.config`` must stay importable without torch (the
command line and render machines read configs without it).
"""

import importlib

_WHERE = {"DFModel": "autoencoder", "LIAEModel": "autoencoder", "build_model": "autoencoder", "ModelConfig": "config",
          "PatchDiscriminator": "discriminator", "SwapGenerator": "generator", "generator_from_model": "generator",
          "load_generator": "generator"}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
