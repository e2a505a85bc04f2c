"""Training the swap model (stages 5-6): data, augmentation, losses, trainer, checkpoints.

Names load on first use: ``faceplate.training.settings`` must stay importable without torch.
"""

from faceplate.lazy import lazy_names

_WHERE = {
    "LossWeights": "settings",
    "TrainSettings": "settings",
    "TrainStageSettings": "settings",
    "ModelSettings": "settings",
    "TrainLoop": "loop",
    "TrainResult": "loop",
    "Trainer": "trainer",
}
__all__ = sorted(_WHERE)
__getattr__ = lazy_names(__name__, _WHERE)
