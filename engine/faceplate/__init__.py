"""Faceplate engine: per-shot face replacement, one stage per module in ``faceplate.stages``."""

__version__ = "0.1.0"
