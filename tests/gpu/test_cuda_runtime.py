"""onnxruntime on CUDA: the provider really runs, fp32 and fp16 exports agree with the CPU, the
IO-bound path equals plain ``run``, and render picks the fp16 file on CUDA. Skipped where
onnxruntime has no working CUDA provider (CI); run on a GPU machine with ``pytest -m gpu``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
import torch

from faceplate.export.generator_export import export_generator
from faceplate.runtime import open_model
from faceplate.runtime.session import CUDA, has_cuda_driver, select_providers


def _cuda_works() -> bool:
    return has_cuda_driver() and select_providers("auto")[0] == CUDA and torch.cuda.is_available()


pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not _cuda_works(), reason="no CUDA onnxruntime / GPU here")]


class SmallGenerator(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.body = torch.nn.Sequential(
            torch.nn.Conv2d(3, 32, 3, padding=1),
            torch.nn.LeakyReLU(0.1),
            torch.nn.Conv2d(32, 32, 3, padding=1),
            torch.nn.LeakyReLU(0.1),
            torch.nn.Conv2d(32, 4, 3, padding=1),
        )

    def forward(self, x):
        y = self.body(x)
        return torch.sigmoid(y[:, :3]), torch.sigmoid(y[:, 3:])

    def with_reconstruction(self, x):
        return (*self(x), torch.sigmoid(self.body(x)[:, 1:]))


@dataclass
class Config:
    resolution: int = 64
    face_type: str = "whole_face"
    arch: str = "small"


@pytest.mark.parametrize("precision, tolerance", [("fp32", 1e-4), ("fp16", 2e-2)])
def test_cuda_session_matches_cpu(tmp_path, precision, tolerance):
    path = export_generator(SmallGenerator(), Config(), {}, tmp_path / f"g.{precision}.onnx", precision=precision).path
    on_gpu, on_cpu = open_model(path, device="cuda"), open_model(path, device="cpu")
    assert on_gpu.provider == CUDA and on_gpu.io_binding
    x = np.random.default_rng(1).random((5, 3, 64, 64), dtype=np.float32)
    for got, want in zip(on_gpu.run(x), on_cpu.run(x)):
        assert got.dtype == np.float32 and got.shape == want.shape
        assert np.abs(got - want).max() <= tolerance


def test_io_binding_equals_plain_run(tmp_path):
    path = export_generator(SmallGenerator(), Config(), {}, tmp_path / "g.onnx").path
    bound, plain = open_model(path, device="cuda"), open_model(path, device="cuda", io_binding=False)
    x = np.random.default_rng(2).random((3, 3, 64, 64), dtype=np.float32)
    for a, b in zip(bound.run(x), plain.run(x)):
        np.testing.assert_array_equal(a, b)


def test_render_prefers_the_fp16_export_on_cuda_only(tmp_path):
    from faceplate.stages.render import default_model_path

    class _Ws:
        root = tmp_path

    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "generator.onnx").write_bytes(b"")
    assert default_model_path(_Ws()).name == "generator.onnx"
    (tmp_path / "export" / "generator.fp16.onnx").write_bytes(b"")
    assert default_model_path(_Ws(), "cuda").name == "generator.fp16.onnx"
    assert default_model_path(_Ws(), "cpu").name == "generator.onnx"
