"""Swap model: config, both architectures, the generator contract, loading and ONNX export."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from faceplate.errors import TrainError
from faceplate.models import ModelConfig, PatchDiscriminator, SwapGenerator, build_model, generator_from_model
from faceplate.models.config import ARCHITECTURES, ARCHS, architecture
from faceplate.training import Trainer, TrainSettings
from faceplate.training.restore import load_generator

TINY = dict(resolution=64, ae_dims=32, e_dims=8, d_dims=8, d_mask_dims=4)


def test_config_round_trips_and_hash_is_stable():
    config = ModelConfig(arch="df", **TINY)
    again = ModelConfig.from_dict(config.to_dict())
    assert again == config and again.config_hash() == config.config_hash()
    assert ModelConfig(arch="liae", **TINY).config_hash() != config.config_hash()
    assert config.to_dict()["schema"] == "ModelConfig.1"


def test_defaults_follow_saehd():
    c = ModelConfig()
    assert (c.arch, c.resolution, c.ae_dims, c.e_dims, c.d_dims) == ("liae", 128, 256, 64, 64)


@pytest.mark.parametrize(
    "bad",
    [
        dict(resolution=100),
        dict(resolution=48),
        dict(resolution=528),
        dict(arch="sae"),
        dict(ae_dims=0),
        dict(face_type="torso"),
    ],
)
def test_bad_config_raises_a_train_error_naming_the_field(bad):
    with pytest.raises(TrainError, match=next(iter(bad)).split("_")[0]):
        ModelConfig(**bad)


def test_unknown_config_field_is_refused():
    with pytest.raises(TrainError, match="unknown fields"):
        ModelConfig.from_dict(ModelConfig().to_dict() | {"wings": 2})


@pytest.mark.parametrize("arch", ARCHS)
def test_architectures_give_rgb_and_mask_in_unit_range(arch):
    model = build_model(ModelConfig(arch=arch, **TINY))
    src, dst = torch.rand(2, 3, 64, 64), torch.rand(3, 3, 64, 64)
    with torch.no_grad():
        (src_rgb, src_mask), (dst_rgb, dst_mask) = model.forward_pair(src, dst)
    assert src_rgb.shape == (2, 3, 64, 64) and src_mask.shape == (2, 1, 64, 64)
    assert dst_rgb.shape == (3, 3, 64, 64) and dst_mask.shape == (3, 1, 64, 64)
    for t in (src_rgb, src_mask, dst_rgb, dst_mask):
        assert 0 <= float(t.min()) and float(t.max()) <= 1
    # the paired pass is the same computation as the separate ones
    torch.testing.assert_close(model.reconstruct_dst(dst)[0], dst_rgb, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(model.reconstruct_src(src)[1], src_mask, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("arch", ARCHS)
def test_generator_is_the_models_swap_path(arch):
    model = build_model(ModelConfig(arch=arch, **TINY)).eval()
    generator = generator_from_model(model)
    x = torch.rand(2, 3, 64, 64)
    face, mask = generator(x)
    ref_face, ref_mask = model.swap(x)
    assert isinstance(generator, SwapGenerator)
    assert face.shape == (2, 3, 64, 64) and mask.shape == (2, 1, 64, 64)
    torch.testing.assert_close(face, ref_face)
    torch.testing.assert_close(mask, ref_mask)


def test_every_architecture_is_one_record_the_settings_and_builder_read():
    from faceplate.settings import choices_of, field_info
    from faceplate.training.settings import ModelSettings

    assert choices_of(field_info(ModelSettings, "arch")) == ARCHS == tuple(a.name for a in ARCHITECTURES)
    for arch in ARCHITECTURES:
        assert type(build_model(ModelConfig(arch=arch.name, **TINY))).__name__ == arch.model.split(":")[1]
    with pytest.raises(TrainError, match="not one of liae, df"):
        architecture("dfhd")


def test_gradients_reach_every_generator_weight():
    model = build_model(ModelConfig(**TINY))
    generator = generator_from_model(model)
    face, mask = generator(torch.rand(2, 3, 64, 64))
    (face.mean() + mask.mean()).backward()
    swap_path = [generator.encoder, generator.inter, generator.decoder]
    assert all(p.grad is not None for part in swap_path for p in part.parameters())


@pytest.mark.parametrize("arch", ARCHS)
def test_reconstruction_is_the_destinations_own_path(arch):
    """The exported third output is what training calls reconstruct_dst, beside an unchanged swap."""
    model = build_model(ModelConfig(arch=arch, **TINY)).eval()
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        face, mask, own = generator_from_model(model).with_reconstruction(x)
        torch.testing.assert_close(face, model.swap(x)[0])
        torch.testing.assert_close(mask, model.swap(x)[1])
        torch.testing.assert_close(own, model.reconstruct_dst(x)[0])
        assert float((own - face).abs().max()) > 1e-5, "two decoders (or codes), two faces"


def test_discriminator_gives_patch_logits():
    assert PatchDiscriminator(8)(torch.rand(2, 3, 64, 64)).shape == (2, 1, 8, 8)


def test_load_generator_from_checkpoint_and_model_folder(tmp_path):
    config = ModelConfig(arch="df", **TINY)
    trainer = Trainer(config, TrainSettings(iterations=10))
    trainer.iteration = 7
    folder = trainer.save(tmp_path / "model", loss=1.0)
    for path in (folder, tmp_path / "model", tmp_path):
        generator, loaded, info = load_generator(path)
        assert loaded == config
        assert info["iterations"] == 7 and info["config_hash"] == config.config_hash()
        assert info["resolution"] == 64 and info["face_type"] == "whole_face" and info["working_space"] == "sRGB"
        x = torch.rand(1, 3, 64, 64)
        torch.testing.assert_close(generator(x)[0], trainer.model.swap(x)[0])
    with pytest.raises(TrainError, match="no checkpoint"):
        load_generator(tmp_path / "nothing")


def test_our_export_of_a_checkpoint_runs_any_batch_and_a_retrain_is_another_file(tmp_path):
    """load_generator -> export_generator (what `faceplate export` runs): onnxruntime matches torch at a
    batch the export never saw, and two runs with identical weights at the same iteration still give
    different files (render hashes the file to decide whether frames are stale)."""
    import hashlib

    import onnx

    ort = pytest.importorskip("onnxruntime")
    from faceplate.export.generator_export import export_generator

    files = {}
    for run_id in ("run-a", "run-b"):
        trainer = Trainer(ModelConfig(**TINY), TrainSettings(iterations=10))  # same seed: same weights
        trainer.run_id = run_id
        trainer.save(tmp_path / run_id, None)
        generator, config, info = load_generator(tmp_path / run_id)
        files[run_id] = export_generator(generator, config, info, tmp_path / f"{run_id}.onnx").path
    session = ort.InferenceSession(str(files["run-a"]), providers=["CPUExecutionProvider"])
    x3 = np.random.default_rng(0).random((3, 3, 64, 64), dtype=np.float32)
    face, mask, own = session.run(None, {"face": x3})
    with torch.no_grad():
        ref_face, ref_mask, ref_own = generator.with_reconstruction(torch.from_numpy(x3))
    np.testing.assert_allclose(face, ref_face.numpy(), atol=1e-4)
    np.testing.assert_allclose(mask, ref_mask.numpy(), atol=1e-4)
    np.testing.assert_allclose(own, ref_own.numpy(), atol=1e-4)
    meta = {run_id: {p.key: p.value for p in onnx.load(str(path)).metadata_props} for run_id, path in files.items()}
    assert meta["run-a"]["run_id"] == "run-a" and meta["run-b"]["run_id"] == "run-b"
    assert meta["run-a"]["iterations"] == meta["run-b"]["iterations"] == "0"
    digests = {hashlib.sha256(path.read_bytes()).hexdigest() for path in files.values()}
    assert len(digests) == 2
