"""The official U-GAT-IT losses: LSGAN (MSE) on logits and CAM logits, cycle and identity L1, CAM BCE."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _lsgan(logit: torch.Tensor, target: float) -> torch.Tensor:
    return F.mse_loss(logit, torch.full_like(logit, target))


def _bce(logit: torch.Tensor, target: float) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logit, torch.full_like(logit, target))


def discriminator_loss(real: tuple, fake: tuple) -> torch.Tensor:
    """One discriminator's loss: real -> 1, fake -> 0, for its logit and its CAM logit.

    ``real`` and ``fake`` are the discriminator's (logit, cam_logit, heatmap) outputs.
    """
    return _lsgan(real[0], 1.0) + _lsgan(fake[0], 0.0) + _lsgan(real[1], 1.0) + _lsgan(fake[1], 0.0)


def generator_adversarial_loss(fake: tuple) -> torch.Tensor:
    """The generator wants a discriminator to call its output real, for logit and CAM logit."""
    return _lsgan(fake[0], 1.0) + _lsgan(fake[1], 1.0)


def generator_cam_loss(translated_cam_logit: torch.Tensor, identity_cam_logit: torch.Tensor) -> torch.Tensor:
    """The generator's own CAM classifies other-domain inputs as 1 and own-domain inputs as 0."""
    return _bce(translated_cam_logit, 1.0) + _bce(identity_cam_logit, 0.0)


def l1(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return F.l1_loss(a, b)
