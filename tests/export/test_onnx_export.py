"""Export mechanics on a small conv generator: parity, metadata, dynamic batch, the .dfm contract."""

from dataclasses import dataclass

import numpy as np
import onnx
import pytest
import torch

from faceplate.errors import ExportError
from faceplate.export.generator_export import export_dfm, export_generator
from faceplate.export.onnx_export import export_module
from faceplate.runtime import open_model


class TinyGenerator(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.body = torch.nn.Sequential(
            torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.LeakyReLU(0.1), torch.nn.Conv2d(8, 4, 3, padding=1)
        )

    def forward(self, x):
        y = self.body(x)
        return torch.sigmoid(y[:, :3]), torch.sigmoid(y[:, 3:])

    def with_reconstruction(self, x):
        """As SwapGenerator's: the swap, then the destination's own face (here: the crop, dimmed)."""
        return (*self(x), x * 0.5)


@dataclass
class Config:
    resolution: int = 32
    face_type: str = "whole_face"
    arch: str = "tiny"


def test_generator_export_matches_torch_and_carries_metadata(tmp_path):
    report = export_generator(
        TinyGenerator(), Config(), {"iterations": 1234, "config_hash": "abc"}, tmp_path / "g.onnx"
    )
    assert report.max_abs_diff <= 1e-4
    props = {p.key: p.value for p in onnx.load(str(report.path)).metadata_props}
    assert props["resolution"] == "32" and props["face_type"] == "whole_face" and props["iterations"] == "1234"
    model = open_model(report.path, device="cpu")
    assert model.metadata["config_hash"] == "abc"
    assert model.output_names == ["swapped", "mask", "reconstruction"] and props["schema"] == "FaceplateGenerator.2"
    for batch in (1, 7):  # dynamic batch axis
        x = np.random.rand(batch, 3, 32, 32).astype(np.float32)
        face, mask, own = model.run(x)
        assert face.shape == (batch, 3, 32, 32) and mask.shape == (batch, 1, 32, 32)
        np.testing.assert_allclose(own, x * 0.5, atol=1e-6)


def test_a_render_without_the_occlusion_cue_runs_only_the_swap(tmp_path):
    """OnnxGenerator(reconstruct=False) cuts the session to the swap's outputs: the reconstruction's
    nodes are gone (onnxruntime would run them for any request), the metadata stays."""
    from faceplate.render.generator import OnnxGenerator

    path = export_generator(TinyGenerator(), Config(), {"iterations": 3}, tmp_path / "g.onnx").path
    full, swap_only = OnnxGenerator(path, "cpu"), OnnxGenerator(path, "cpu", reconstruct=False)
    assert full.reconstructs and not swap_only.reconstructs
    assert swap_only.model.output_names == ["swapped", "mask"] and swap_only.metadata["iterations"] == "3"
    crops = np.random.rand(2, 32, 32, 3).astype(np.float32)
    (face, mask, own), (face_only, mask_only, none) = full.generate(crops), swap_only.generate(crops)
    np.testing.assert_allclose(face_only, face, atol=1e-6)
    np.testing.assert_allclose(own, crops * 0.5, atol=1e-6)
    assert none is None and mask_only.shape == mask.shape == (2, 32, 32)


def test_fp16_export_keeps_float32_io_and_stays_near_the_float32_model(tmp_path):
    report = export_generator(TinyGenerator(), Config(), {"iterations": 5}, tmp_path / "g.fp16.onnx", precision="fp16")
    assert 0 < report.max_abs_diff <= 2e-2  # measured against the float32 torch model: fp16 is not exact
    proto = onnx.load(str(report.path))
    weights = {t.data_type for t in proto.graph.initializer if len(t.dims) == 4}
    assert weights == {onnx.TensorProto.FLOAT16}, "conv weights are stored in half precision"
    model = open_model(report.path, device="cpu")
    assert model.metadata["precision"] == "fp16"
    face, mask, own = model.run(np.random.rand(2, 3, 32, 32).astype(np.float32))
    assert face.dtype == own.dtype == np.float32 and face.shape == own.shape == (2, 3, 32, 32)


def test_dfm_export_uses_deepfacelive_names_and_layout(tmp_path):
    report = export_dfm(TinyGenerator(), Config(), {}, tmp_path / "g.dfm")
    model = open_model(report.path, device="cpu")
    assert model.input_names == ["in_face:0"]
    assert model.output_names == ["out_face_mask:0", "out_celeb_face:0", "out_celeb_face_mask:0"]
    bgr = np.random.rand(1, 32, 32, 3).astype(np.float32)
    mask, face, celeb_mask = model.run(bgr)
    assert face.shape == (1, 32, 32, 3) and mask.shape == (1, 32, 32, 1)
    with torch.no_grad():
        rgb_face, _ = TinyGenerator()(torch.from_numpy(bgr[..., ::-1].copy()).permute(0, 3, 1, 2))
    np.testing.assert_allclose(face[..., ::-1], rgb_face.permute(0, 2, 3, 1).numpy(), atol=1e-5)


def test_a_mismatching_export_is_refused_and_not_kept(tmp_path, monkeypatch):
    import faceplate.export.onnx_export as onnx_export

    monkeypatch.setattr(onnx_export, "parity", lambda *a, **k: 0.5)
    with pytest.raises(ExportError, match="differs from PyTorch"):
        export_module(TinyGenerator(), torch.rand(1, 3, 16, 16), tmp_path / "g.onnx", ["face"], ["a", "b"], {})
    assert not (tmp_path / "g.onnx").exists()


def test_missing_model_file_says_to_export(tmp_path):
    from faceplate.errors import InferenceError

    with pytest.raises(InferenceError, match="faceplate export"):
        open_model(tmp_path / "none.onnx")


def test_export_prints_none_of_torchs_exporter_warnings_but_keeps_ours(tmp_path):
    """`faceplate export` printed 'torchvision is not installed. Skipping torchvision::nms' and the like."""
    import subprocess
    import sys

    script = (
        "import logging, torch\n"
        "from faceplate.export.onnx_export import export_module\n"
        "logging.basicConfig(level=logging.INFO)\n"
        "export_module(torch.nn.Conv2d(3, 3, 3), torch.rand(1, 3, 8, 8), sys.argv[1], ['x'], ['y'], {})\n"
        "logging.getLogger('faceplate.export').warning('our own warning')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", "import sys\n" + script, str(tmp_path / "m.onnx")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "torchvision" not in done.stderr and "our own warning" in done.stderr, done.stderr[-2000:]
