"""onnxruntime inference for exported models; imports no torch (hosts and render nodes lack it)."""

from faceplate.runtime.session import OnnxModel, open_model, select_providers

__all__ = ["OnnxModel", "open_model", "select_providers"]
