"""Training on CUDA: mixed precision learns, a checkpoint written on the GPU loads bit-exactly on
the CPU, a resumed GPU run continues the same losses. Skipped where no CUDA GPU is visible (CI);
run on a GPU machine with ``pytest -m gpu``."""

from __future__ import annotations

import pytest
import torch
from skimage import data

from faceplate.models import ModelConfig
from faceplate.training import Trainer, TrainSettings
from faceplate.training.data import FaceData, make_batch

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here")]
TINY = ModelConfig(resolution=64, ae_dims=64, e_dims=16, d_dims=16, d_mask_dims=8)


def _faces(offset: int) -> FaceData:
    """32 shifted 64 px crops around the astronaut's face, a full face mask and an eyes/mouth band."""
    photo = torch.from_numpy(data.astronaut()).permute(2, 0, 1)
    crops = [
        photo[:, 40 + dy : 200 + dy, 150 + dx : 310 + dx]
        for dy in range(offset, offset + 8, 2)
        for dx in range(0, 16, 2)
    ]
    images = (
        torch.nn.functional.interpolate(torch.stack(crops).float(), size=(64, 64), mode="area").round().to(torch.uint8)
    )
    masks = torch.zeros(len(crops), 2, 64, 64, dtype=torch.uint8)
    masks[:, 0, 8:56, 8:56] = 255
    masks[:, 1, 20:44, 12:52] = 255
    return FaceData(images, masks, [str(i) for i in range(len(crops))])


def _settings(precision: str) -> TrainSettings:
    return TrainSettings(iterations=200, batch_size=8, lr=5e-4, lr_warmup=5, device="cuda", precision=precision, seed=2)


def _run(trainer: Trainer, src: FaceData, dst: FaceData, steps: int) -> list[float]:
    losses = []
    for _ in range(steps):
        batch = make_batch(src, dst, trainer.iteration + 1, trainer.settings).to(trainer.device, trainer.memory_format)
        out = trainer.train_step(batch)
        assert out is not None, f"step {trainer.iteration + 1} was rejected (NaN/Inf)"
        losses.append(out["total"])
    return losses


@pytest.mark.parametrize("precision", ["bf16", "fp16", "fp32"])
def test_mixed_precision_training_learns_on_cuda(precision):
    trainer = Trainer(TINY, _settings(precision))
    assert trainer.device.type == "cuda"
    assert trainer.dtype == {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": None}[precision]
    losses = _run(trainer, _faces(0), _faces(4), 60)
    first, last = sum(losses[:10]) / 10, sum(losses[-10:]) / 10
    assert last < 0.8 * first, f"{precision}: loss {first:.3f} -> {last:.3f}"


def test_gpu_checkpoint_loads_bit_exactly_on_cpu_and_resumes_the_same_losses(tmp_path):
    src, dst = _faces(0), _faces(4)
    trainer = Trainer(TINY, _settings("bf16"))
    _run(trainer, src, dst, 5)
    folder = trainer.save(tmp_path / "model", loss=1.0)

    on_cpu = Trainer(TINY, TrainSettings(iterations=200, device="cpu"))
    on_cpu.restore(folder)
    for key, value in trainer.model.state_dict().items():
        assert torch.equal(value.cpu(), on_cpu.model.state_dict()[key]), key

    resumed = Trainer(TINY, _settings("bf16"))
    resumed.restore(folder)
    assert _run(resumed, src, dst, 3) == _run(trainer, src, dst, 3)
