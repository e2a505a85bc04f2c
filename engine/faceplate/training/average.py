"""The delivered weights: an exponential moving average of the training weights.

One checkpoint's weights carry the noise of their last few hundred steps: on d18 -> d19 two
checkpoints 200 iterations apart judged 0.58 and 0.61 on expression, at a learning rate already
decayed to a tenth. The average over about the last ``window`` iterations (at most a third of the
run so far, so a short run is not held back at its start) is what previews, export, render and the
judge use; the training weights go on training. The update is one fused lerp per step, with the
step count kept on the host (no device read).
"""

from __future__ import annotations

import copy

import torch


class WeightAverage:
    def __init__(self, model: torch.nn.Module, window: int):
        self.window = window
        self.module = copy.deepcopy(model).eval().requires_grad_(False)
        self.count = 0  # updates since the average was last reset to the training weights

    def decay(self) -> float:
        """The weight kept by the old average at the next update: 0 (a copy) until the run is 3 steps long."""
        span = min(self.window, self.count / 3)
        return 0.0 if span <= 1 else 1.0 - 1.0 / span

    @torch.no_grad()
    def update(self, model: torch.nn.Module) -> None:
        torch._foreach_lerp_(list(self.module.parameters()), list(model.parameters()), 1.0 - self.decay())
        self.count += 1

    @torch.no_grad()
    def reset(self, model: torch.nn.Module) -> None:
        """Start averaging again from ``model``'s weights (a new run from another model's weights)."""
        self.module.load_state_dict(model.state_dict())
        self.count = 0
