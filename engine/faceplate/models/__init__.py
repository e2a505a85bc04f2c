"""Swap models (stage 5): configuration, architectures (df, liae), the exported generator."""

from faceplate.models.autoencoder import DFModel, LIAEModel, build_model
from faceplate.models.config import ModelConfig
from faceplate.models.discriminator import PatchDiscriminator
from faceplate.models.generator import SwapGenerator, generator_from_model, load_generator

__all__ = ["DFModel", "LIAEModel", "ModelConfig", "PatchDiscriminator", "SwapGenerator",
           "build_model", "generator_from_model", "load_generator"]
