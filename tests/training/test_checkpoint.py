"""Checkpoints: bit-exact round trip, atomic layout, pruning, pointers, unreadable files."""

from __future__ import annotations

import pytest
import torch

from faceplate.errors import TrainError
from faceplate.models import ModelConfig
from faceplate.training import LossWeights, Trainer, TrainSettings
from faceplate.training import checkpoint as ckpt
from faceplate.training.data import Batch

TINY = ModelConfig(resolution=64, ae_dims=32, e_dims=8, d_dims=8, d_mask_dims=4)


def _batch(seed: int = 0) -> Batch:
    g = torch.Generator().manual_seed(seed)
    images = [torch.rand(2, 3, 64, 64, generator=g) for _ in range(2)]
    face = torch.zeros(2, 1, 64, 64)
    face[..., 16:48, 16:48] = 1
    return Batch(images[0], images[0], face, face * 0, images[1], images[1], face, face * 0)


def _trained(settings: TrainSettings, steps: int = 3) -> Trainer:
    trainer = Trainer(TINY, settings)
    for i in range(steps):
        assert trainer.train_step(_batch(i)) is not None
    return trainer


def _state_tensors(trainer: Trainer) -> dict[str, torch.Tensor]:
    out = {f"model.{k}": v for k, v in trainer.model.state_dict().items()}
    for pid, st in trainer.opt.state_dict()["state"].items():
        out |= {f"opt.{pid}.{k}": v for k, v in st.items() if torch.is_tensor(v)}
    if trainer.disc is not None:
        out |= {f"disc.{k}": v for k, v in trainer.disc.state_dict().items()}
    out |= {f"average.{k}": v for k, v in trainer.average.module.state_dict().items()}
    return out | {"average.count": torch.tensor(trainer.average.count)}


@pytest.mark.parametrize("gan", [None, 1])
def test_checkpoint_round_trips_bit_exactly(tmp_path, gan):
    # gan_start None is the profile's (2,000 on a CPU); weight 0 keeps the discriminator out
    settings = TrainSettings(
        iterations=10, gan_start=gan, lr_warmup=1, average_window=4, weights=LossWeights(gan=0.1 if gan else 0.0)
    )
    trainer = _trained(settings)
    assert (trainer.disc is not None) == bool(gan)
    folder = trainer.save(tmp_path / "model", loss=0.5)
    assert folder.name == "00000003" and sorted(p.name for p in folder.iterdir()) == [
        "meta.json",
        "state.pt",
        "weights.safetensors",
    ]
    fresh = Trainer(TINY, settings)
    fresh.restore(folder)
    assert fresh.iteration == 3 and fresh.best_loss == 0.5
    a, b = _state_tensors(trainer), _state_tensors(fresh)
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    again = fresh.save(tmp_path / "again", loss=0.5)
    assert (again / "weights.safetensors").read_bytes() == (folder / "weights.safetensors").read_bytes()
    # and both continue identically
    la, lb = trainer.train_step(_batch(9)), fresh.train_step(_batch(9))
    assert la == lb


def test_pointers_track_latest_and_best_and_old_checkpoints_are_pruned(tmp_path):
    trainer = Trainer(TINY, TrainSettings(iterations=10, keep_last=2))
    model = tmp_path / "model"
    for it, loss in [(1, 0.3), (2, 0.5), (3, 0.6), (4, 0.4)]:
        trainer.iteration = it
        trainer.save(model, loss)
    names = sorted(p.name for p in (model / "checkpoints").iterdir())
    assert names == ["00000001", "00000003", "00000004"]  # best (1) + the last two
    assert ckpt.read_pointer(model, "latest")["iteration"] == 4
    assert ckpt.read_pointer(model, "best")["iteration"] == 1
    assert not list((model / "checkpoints").glob(".*"))  # no staging folders left behind


def test_state_sidecar_loads_with_weights_only(tmp_path):
    folder = _trained(TrainSettings(iterations=10), 1).save(tmp_path / "m", None)
    state = torch.load(folder / "state.pt", weights_only=True)
    assert state["iteration"] == 1 and "optimizer" in state and "rng" in state and "scaler" in state


def test_unreadable_checkpoint_raises_a_train_error_naming_the_file(tmp_path):
    folder = Trainer(TINY, TrainSettings(iterations=10)).save(tmp_path / "m", None)
    (folder / "weights.safetensors").write_bytes(b"not a tensor file")
    with pytest.raises(TrainError, match="00000000"):
        ckpt.load_weights(folder)
    (folder / "state.pt").write_bytes(b"garbage")
    with pytest.raises(TrainError, match="state.pt"):
        ckpt.load_state(folder)


def test_resuming_into_a_different_model_shape_is_refused(tmp_path):
    folder = Trainer(TINY, TrainSettings(iterations=10)).save(tmp_path / "m", None)
    other = Trainer(ModelConfig(resolution=64, ae_dims=16, e_dims=8, d_dims=8, d_mask_dims=4), TrainSettings())
    with pytest.raises(TrainError, match="ae_dims=32"):
        other.restore(folder)


def test_learning_rate_warms_up_and_decays():
    trainer = Trainer(TINY, TrainSettings(iterations=100, lr=1e-3, lr_warmup=10, lr_min_fraction=0.1))
    lrs = [trainer.lr_at(i) for i in range(101)]
    assert lrs[0] == pytest.approx(1e-4) and max(lrs) <= 1e-3
    assert lrs[100] == pytest.approx(1e-4) and lrs[50] > lrs[90]


def test_a_rejected_step_under_fp16_loss_scaling_leaves_the_trainer_usable(monkeypatch):
    """fp16 training (GPUs without bf16) scales the loss; a NaN step must not leave the scaler
    half-way (PyTorch refuses a second unscale_ before an update)."""
    trainer = _trained(TrainSettings(iterations=10, lr_warmup=1), steps=1)
    trainer.scaler = torch.amp.GradScaler("cpu", enabled=True)  # what the CUDA fp16 path uses
    real = Trainer.compute_losses
    monkeypatch.setattr(Trainer, "compute_losses", lambda self, b: (real(self, b)[0] * float("nan"), real(self, b)[1]))
    assert trainer.train_step(_batch(1)) is None
    monkeypatch.setattr(Trainer, "compute_losses", real)
    assert trainer.train_step(_batch(2)) is not None and trainer.iteration == 2


def test_a_full_disk_is_one_line_and_keeps_the_checkpoints_there(tmp_path, monkeypatch):
    import errno

    from faceplate.errors import DiskFullError

    trainer = _trained(TrainSettings(iterations=10, lr_warmup=1), steps=1)
    model = tmp_path / "model"
    trainer.save(model, 1.0)

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    trainer.train_step(_batch(1))
    monkeypatch.setattr("faceplate.atomic.os.fsync", no_space)
    with pytest.raises(DiskFullError) as caught:
        trainer.save(model, 0.5)
    assert "\n" not in str(caught.value) and "no space left" in str(caught.value)
    assert ckpt.read_pointer(model, "latest")["iteration"] == 1
    assert [p.name for p in (model / "checkpoints").iterdir()] == ["00000001"]  # no half-written folder


def test_saving_an_iteration_again_replaces_it_whole(tmp_path):
    trainer = _trained(TrainSettings(iterations=10, lr_warmup=1), steps=1)
    model = tmp_path / "model"
    first = trainer.save(model, 1.0)
    trainer.run_id = "second"
    again = trainer.save(model, 0.9)
    assert again == first and ckpt.load_weights(again)[2]["run_id"] == "second"
    assert sorted(p.name for p in (model / "checkpoints").iterdir()) == ["00000001"]


@pytest.mark.parametrize(
    "bad",
    [
        dict(lr=float("nan")),
        dict(lr=0),
        dict(lr=2.0),
        dict(batch_size=0),
        dict(batch_size=2048),
        dict(iterations=0),
        dict(minutes=0),
        dict(minutes=float("inf")),
        dict(device="tpu"),
        dict(weights={"dssim": -1.0}),
    ],
)
def test_bad_train_settings_are_refused(bad):
    with pytest.raises(ValueError):
        TrainSettings(**bad)


def test_train_settings_round_trip_through_a_checkpoint_dict():
    settings = TrainSettings(iterations=None, minutes=2.5, batch_size=3, weights={"gan": 0.0})
    again = TrainSettings.from_dict(settings.to_dict() | {"retired_field": 1})  # older/newer engines' extras
    assert again == settings and again.weights.gan == 0.0
