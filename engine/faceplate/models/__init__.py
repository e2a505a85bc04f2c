"""Swap models (stage 5): configuration, architectures (df, liae), the exported generator.

Names load on first use: ``faceplate.models.config`` must stay importable without torch (the
command line and render machines read configs without it).
"""

from faceplate.lazy import lazy_names

_WHERE = {
    "DFModel": "autoencoder",
    "LIAEModel": "autoencoder",
    "build_model": "autoencoder",
    "ModelConfig": "config",
    "PatchDiscriminator": "discriminator",
    "SwapGenerator": "generator",
    "generator_from_model": "generator",
}
__all__ = sorted(_WHERE)
__getattr__ = lazy_names(__name__, _WHERE)
