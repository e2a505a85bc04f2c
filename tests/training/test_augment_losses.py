"""Augmentation and loss functions: shapes, ranges, determinism, gradients."""

from __future__ import annotations

import torch
from training_helpers import random_faces

from faceplate.training import TrainSettings, augment
from faceplate.training.data import make_batch
from faceplate.training.history import reached_plateau
from faceplate.training.losses import dssim, face_losses, multiscale_dssim
from faceplate.training.settings import LossWeights


def test_batch_is_a_pure_function_of_its_iteration():
    src, dst = random_faces(), random_faces(seed=1)
    s = TrainSettings(batch_size=3)
    a, b, c = make_batch(src, dst, 5, s), make_batch(src, dst, 5, s), make_batch(src, dst, 6, s)
    for name, t in vars(a).items():
        assert t.shape[0] == 3 and t.dtype == torch.float32
        assert 0 <= float(t.min()) and float(t.max()) <= 1
        assert torch.equal(t, getattr(b, name))
    assert not torch.equal(a.src_in, c.src_in)
    assert not torch.equal(make_batch(src, dst, 5, s, salt=1).src_in, a.src_in)  # a rollback sees new batches


def test_warp_changes_inputs_but_not_targets():
    src, dst = random_faces(), random_faces(seed=1)
    plain = TrainSettings(batch_size=2, random_warp=False, colour_augment=False, colour_transfer=False)
    warped = TrainSettings(batch_size=2, random_warp=True, colour_augment=False, colour_transfer=False)
    a, b = make_batch(src, dst, 1, plain), make_batch(src, dst, 1, warped)
    assert torch.equal(a.dst_in, a.dst_target) and torch.equal(a.dst_target, b.dst_target)
    assert not torch.equal(b.dst_in, b.dst_target)


def test_identity_affine_keeps_the_image():
    g = torch.Generator().manual_seed(0)
    theta = augment.random_affine(2, g, scale=0, rotate_deg=0, shift=0, flip=False)
    x = torch.rand(2, 3, 16, 16)
    grid = torch.nn.functional.affine_grid(theta, [2, 3, 16, 16], align_corners=False)
    torch.testing.assert_close(augment.sample_grid(x, grid), x, atol=1e-5, rtol=0)


def test_colour_transfer_matches_masked_statistics():
    x, ref = torch.rand(2, 3, 32, 32) * 0.5, torch.rand(2, 3, 32, 32) * 0.3 + 0.6
    m = torch.ones(2, 1, 32, 32)
    out = augment.transfer_colour(x, ref, m, m)
    torch.testing.assert_close(out.mean((2, 3)), ref.mean((2, 3)), atol=0.02, rtol=0)


def test_dssim_is_zero_for_equal_images_and_differentiable():
    x = torch.rand(2, 3, 32, 32, requires_grad=True)
    assert float(dssim(x.detach(), x.detach())) < 1e-6
    y = torch.rand(2, 3, 32, 32)
    loss = multiscale_dssim(x, y)
    loss.backward()
    assert float(loss.detach()) > 0.1 and x.grad is not None and torch.isfinite(x.grad).all()


def test_face_losses_weight_the_face_more_than_the_background():
    target = torch.rand(1, 3, 32, 32)
    face = torch.zeros(1, 1, 32, 32)
    face[..., 8:24, 8:24] = 1
    em = torch.zeros_like(face)
    wrong_face, wrong_bg = target.clone(), target.clone()
    wrong_face[..., 8:24, 8:24] = 0.5
    wrong_bg[..., :8, :] = 0.5
    w = LossWeights()
    a = sum(face_losses(wrong_face, face, target, face, em, w).values())
    b = sum(face_losses(wrong_bg, face, target, face, em, w).values())
    assert a > 5 * b


def test_plateau_needs_flat_windows():
    assert not reached_plateau([10 - i * 0.1 for i in range(30)], window=10, tolerance=0.01)
    assert reached_plateau([1.0] * 30, window=10, tolerance=0.01)
    assert not reached_plateau([1.0] * 20, window=10, tolerance=0.01)
