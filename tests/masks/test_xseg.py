"""The learned mask model: shapes, training, checkpoint, ONNX export parity and the torch-free runtime."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import onnx
import pytest
import torch

from faceplate.errors import MaskError
from faceplate.masks.xseg import load_mask_session, predict_masks, run_mask_model
from faceplate.masks.xseg_export import export_onnx
from faceplate.masks.xseg_model import XSegConfig, XSegNet, load_checkpoint, save_checkpoint
from faceplate.masks.xseg_train import XSegTrainSettings, train_xseg
from faceplate.runtime import select_providers

SMALL = XSegConfig(resolution=32, base=4, depth=3)


def _discs(n: int, size: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Bright discs on a dark noisy background: the mask is the disc."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    images, masks = [], []
    for _ in range(n):
        cx, cy, r = rng.uniform(10, 22, 2).tolist() + [rng.uniform(5, 9)]
        disc = (xx - cx) ** 2 + (yy - cy) ** 2 < r * r
        image = rng.integers(0, 60, (size, size, 3))
        image[disc] = rng.integers(170, 255, 3)
        images.append(image.astype(np.uint8))
        masks.append((disc * 255).astype(np.uint8))
    return np.stack(images), np.stack(masks)


def test_shapes_and_range():
    model = XSegNet(SMALL).eval()
    with torch.no_grad():
        out = model(torch.rand(2, 3, 32, 32))
    assert out.shape == (2, 1, 32, 32) and float(out.min()) >= 0 and float(out.max()) <= 1


def test_resolution_must_divide_by_the_depth():
    with pytest.raises(ValueError, match="divide"):
        XSegConfig(resolution=100, depth=4)


def test_training_learns_a_simple_mask():
    images, masks = _discs(24)
    model, summary = train_xseg(
        images, masks, SMALL, XSegTrainSettings(iterations=60, batch=8, threads=1, learning_rate=3e-3)
    )
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255
    with torch.no_grad():
        pred = model(x)[:, 0].numpy() > 0.5
    truth = masks > 127
    iou = (pred & truth).sum() / (pred | truth).sum()
    assert iou > 0.6, (iou, summary)
    assert summary["iterations"] == 60 and summary["device"] in ("cpu", "cuda")


def test_checkpoint_round_trip(tmp_path):
    model = XSegNet(SMALL).eval()
    save_checkpoint(tmp_path / "xseg", model, {"training": {"iterations": 0}})
    again, meta = load_checkpoint(tmp_path / "xseg")
    x = torch.rand(1, 3, 32, 32)
    assert again.config == SMALL and meta["training"]["iterations"] == 0
    assert torch.equal(model(x), again(x))
    with pytest.raises(MaskError, match="missing or damaged"):
        load_checkpoint(tmp_path / "nothing")


def test_onnx_export_matches_torch_with_dynamic_batch(tmp_path):
    torch.manual_seed(0)
    model = XSegNet(XSegConfig(resolution=32, base=4, depth=3, face_type="full")).eval()
    path = export_onnx(model, tmp_path / "xseg.onnx", {"iterations": 7})
    meta = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert (
        meta["resolution"] == "32"
        and meta["face_type"] == "full"
        and meta["schema"] == "XSeg.1"
        and meta["iterations"] == "7"
    )
    session = load_mask_session(path)
    assert session.resolution == 32 and session.face_type == "full" and session.provider in select_providers()
    for batch in (1, 3):
        x = torch.rand(batch, 3, 32, 32)
        with torch.no_grad():
            expected = model(x).numpy()
        got = run_mask_model(session, x.numpy())
        assert got.shape == (batch, 1, 32, 32)
        assert np.abs(got - expected).max() <= 1e-4
    crops = np.random.default_rng(0).integers(0, 255, (2, 48, 48, 3), dtype=np.uint8)
    masks = predict_masks(session, crops)
    assert masks.shape == (2, 48, 48) and masks.dtype == np.float32


def test_runtime_helper_does_not_import_torch(tmp_path):
    export_onnx(XSegNet(SMALL).eval(), tmp_path / "xseg.onnx")
    code = (
        "import sys, numpy as np; from faceplate.masks.xseg import load_mask_session, predict_masks; "
        f"s = load_mask_session({str(tmp_path / 'xseg.onnx')!r}); "
        "m = predict_masks(s, np.zeros((1, 64, 64, 3), np.uint8)); "
        "assert m.shape == (1, 64, 64); assert 'torch' not in sys.modules, 'torch was imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_missing_or_foreign_model_is_a_clear_error(tmp_path):
    with pytest.raises(MaskError, match="no mask model"):
        load_mask_session(tmp_path / "none.onnx")
    plain = tmp_path / "plain.onnx"
    with pytest.warns(DeprecationWarning):
        torch.onnx.export(torch.nn.Identity(), (torch.rand(1, 3, 8, 8),), str(plain), dynamo=False)
    with pytest.raises(MaskError, match="not a Faceplate mask model"):
        load_mask_session(plain)
