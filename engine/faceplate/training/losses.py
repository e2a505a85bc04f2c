"""Training losses: masked multi-scale DSSIM + pixel terms, eyes/mouth priority, mask, weak
background, and the adversarial term. Inputs are float ``[B, C, R, R]`` in [0, 1]."""

from __future__ import annotations

import torch
from torch.nn import functional as F

from faceplate.training.settings import LossWeights


def gaussian_kernel(size: int, sigma: float, channels: int, device, dtype) -> torch.Tensor:
    """Depthwise kernel ``[C, 1, k, k]``."""
    ax = torch.arange(size, device=device, dtype=dtype) - (size - 1) / 2
    g = torch.exp(-(ax**2) / (2 * sigma**2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).expand(channels, 1, size, size).contiguous()


def dssim(x: torch.Tensor, y: torch.Tensor, kernel_size: int = 11) -> torch.Tensor:
    """Structural dissimilarity (1 - SSIM) / 2, mean over the image (valid window positions).

    The five local statistics (means of x, y, x*x, y*y, x*y) come from one depthwise convolution
    over the stacked channels: one call forward and one backward instead of five each (measured in
    ``bench/train_step.py``: most of a CPU step's loss time was per-call overhead)."""
    c = x.shape[1]
    k = gaussian_kernel(kernel_size, kernel_size / 7.33, 5 * c, x.device, x.dtype)  # sigma 1.5 at k=11
    mx, my, exx, eyy, exy = F.conv2d(torch.cat([x, y, x * x, y * y, x * y], 1), k, groups=5 * c).split(c, 1)
    sxx, syy, sxy = exx - mx * mx, eyy - my * my, exy - mx * my
    c1, c2 = 0.01**2, 0.03**2
    ssim = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return ((1 - ssim) / 2).mean()


def multiscale_dssim(x: torch.Tensor, y: torch.Tensor, scales: int = 2) -> torch.Tensor:
    """Mean DSSIM over ``scales`` octaves (full, half, ...), window ~res/11.6 capped at 11."""
    total = x.new_zeros(())
    for i in range(scales):
        res = x.shape[-1]
        k = max(3, min(11, int(res / 11.6)) | 1)
        total = total + dssim(x, y, k)
        if i + 1 < scales:
            x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
    return total / scales


def face_losses(
    rgb: torch.Tensor,
    mask: torch.Tensor,
    target: torch.Tensor,
    face: torch.Tensor,
    eyes_mouth: torch.Tensor,
    w: LossWeights,
) -> dict[str, torch.Tensor]:
    """Weighted loss terms for one identity. rgb/target [B,3,R,R]; mask/face/eyes_mouth [B,1,R,R]."""
    rgb, mask = rgb.float(), mask.float()
    pred_face, target_face = rgb * face, target * face
    terms = {
        "dssim": w.dssim * multiscale_dssim(pred_face, target_face),
        "pixel": w.pixel * F.mse_loss(pred_face, target_face),
        "eyes_mouth": w.eyes_mouth * ((rgb - target).abs() * eyes_mouth).mean(),
        "mask": w.mask * F.mse_loss(mask, face),
        "background": w.background * F.mse_loss(rgb * (1 - face), target * (1 - face)),
    }
    if w.l1:
        terms["l1"] = w.l1 * (pred_face - target_face).abs().mean()
    return terms


def gan_generator_loss(logits_fake: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits_fake, torch.ones_like(logits_fake))


def gan_discriminator_loss(logits_real: torch.Tensor, logits_fake: torch.Tensor) -> torch.Tensor:
    real = F.binary_cross_entropy_with_logits(logits_real, torch.ones_like(logits_real))
    fake = F.binary_cross_entropy_with_logits(logits_fake, torch.zeros_like(logits_fake))
    return (real + fake) / 2
