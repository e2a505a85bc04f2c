"""The swap-quality judge, one implementation for ``bench/quality.py``, training's evaluation and QC.

``measures``: the figures themselves, on landmarks, embeddings and pixels (numpy + OpenCV).
``judge``: re-detects landmarks and embeds identities on face crops (dlib, through ``faceplate.faces``)
and computes every measure for a run of frames. Neither imports torch.
"""

from faceplate.quality.measures import (
    expression_ratio,
    identity_fraction,
    mouth_correlation,
    mouth_opening,
    sharpness_ratio,
)

__all__ = ["expression_ratio", "identity_fraction", "mouth_correlation", "mouth_opening", "sharpness_ratio"]
