"""Training the swap model (stages 5-6): data, augmentation, losses, trainer, checkpoints."""

from faceplate.training.loop import TrainLoop, TrainResult
from faceplate.training.settings import LossWeights, TrainSettings
from faceplate.training.trainer import Trainer

__all__ = ["LossWeights", "TrainLoop", "TrainResult", "TrainSettings", "Trainer"]
