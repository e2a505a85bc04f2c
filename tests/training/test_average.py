"""The delivered weights: the training weights' moving average is what a checkpoint renders with."""

from __future__ import annotations

import pytest
import torch
from test_checkpoint import TINY, _batch, _trained

from faceplate.training import Trainer, TrainSettings
from faceplate.training.average import WeightAverage
from faceplate.training.restore import load_model


def _params(module: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def test_the_window_grows_with_the_run_up_to_its_setting():
    average = WeightAverage(torch.nn.Linear(2, 2), window=2000)
    for count, decay in ((0, 0.0), (3, 0.0), (30, 0.9), (3000, 1 - 1 / 1000), (10**6, 1 - 1 / 2000)):
        average.count = count
        assert average.decay() == pytest.approx(decay)


def test_the_average_is_the_moving_mean_of_every_steps_weights():
    trainer = Trainer(TINY, TrainSettings(iterations=40, lr_warmup=1, average_window=5))
    expected = _params(trainer.model)
    for i in range(12):
        decay = trainer.average.decay()
        assert trainer.train_step(_batch(i)) is not None
        expected = [decay * e + (1 - decay) * p for e, p in zip(expected, _params(trainer.model))]
    delivered = _params(trainer.average.module)
    for got, want in zip(delivered, expected):
        assert torch.allclose(got, want, atol=1e-6)
    assert any(not torch.equal(d, p) for d, p in zip(delivered, _params(trainer.model)))  # not the last step's


def test_a_checkpoint_renders_with_the_average_and_without_one_with_the_last_step(tmp_path):
    for window in (5, 0):
        trainer = _trained(TrainSettings(iterations=40, lr_warmup=1, average_window=window), steps=12)
        folder = trainer.save(tmp_path / str(window), loss=0.5)
        loaded = _params(load_model(folder)[0])
        wanted = _params(trainer.delivered_model())
        assert all(torch.equal(a, b) for a, b in zip(loaded, wanted))
        assert (trainer.delivered_model() is trainer.model) == (window == 0)


def test_starting_from_another_model_averages_from_its_weights(tmp_path):
    library = _trained(TrainSettings(iterations=40, lr_warmup=1, average_window=5), steps=12)
    folder = library.save(tmp_path / "library", loss=0.5)
    shot = Trainer(TINY, TrainSettings(iterations=40, lr_warmup=1, average_window=5))
    shot.restore(folder, with_state=False)
    assert shot.average.count == 0
    assert all(torch.equal(a, b) for a, b in zip(_params(shot.average.module), _params(library.model)))
