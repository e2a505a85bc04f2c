"""Training the swap model (stages 5-6): data, augmentation, losses, trainer, checkpoints.

Names load on first use: ``faceplate.training.settings`` must stay importable without torch.
"""

import importlib

_WHERE = {"LossWeights": "settings", "TrainSettings": "settings", "TrainLoop": "loop", "TrainResult": "loop",
          "Trainer": "trainer"}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
