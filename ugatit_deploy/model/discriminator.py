"""The U-GAT-IT discriminator (global: n_layers=7, local: n_layers=5), as in the official PyTorch code.

Every conv but the CAM's 1x1 is wrapped in ``torch.nn.utils.spectral_norm`` (the hook-based API), so
state_dict keys are ``weight_orig`` / ``weight_u`` / ``weight_v`` exactly as in official checkpoints.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils import spectral_norm

from .cam import class_activation_map


class Discriminator(nn.Module):
    """PatchGAN-style discriminator with CAM attention; returns ``(logits, cam_logit, heatmap)``.

    Args:
        ndf: channels of the first conv; the last feature map has ndf * 2^(n_layers - 2).
        n_layers: 7 for the official global discriminator (inputs >= 128 px), 5 for the local one.
    """

    def __init__(self, ndf: int = 64, n_layers: int = 5, input_nc: int = 3) -> None:
        super().__init__()
        if n_layers < 3:
            raise ValueError(f"n_layers must be >= 3, got {n_layers}")
        self.ndf = ndf
        self.n_layers = n_layers

        layers: list[nn.Module] = [
            nn.ReflectionPad2d(1),
            spectral_norm(nn.Conv2d(input_nc, ndf, kernel_size=4, stride=2, padding=0, bias=True)),
            nn.LeakyReLU(0.2, True),
        ]
        for i in range(1, n_layers - 2):
            channels = ndf * 2 ** (i - 1)
            layers += [
                nn.ReflectionPad2d(1),
                spectral_norm(nn.Conv2d(channels, channels * 2, kernel_size=4, stride=2, padding=0, bias=True)),
                nn.LeakyReLU(0.2, True),
            ]
        channels = ndf * 2 ** (n_layers - 3)
        layers += [
            nn.ReflectionPad2d(1),
            spectral_norm(nn.Conv2d(channels, channels * 2, kernel_size=4, stride=1, padding=0, bias=True)),
            nn.LeakyReLU(0.2, True),
        ]

        dim = ndf * 2 ** (n_layers - 2)
        self.gap_fc = spectral_norm(nn.Linear(dim, 1, bias=False))
        self.gmp_fc = spectral_norm(nn.Linear(dim, 1, bias=False))
        self.conv1x1 = nn.Conv2d(dim * 2, dim, kernel_size=1, stride=1, bias=True)
        self.leaky_relu = nn.LeakyReLU(0.2, True)
        self.pad = nn.ReflectionPad2d(1)
        self.conv = spectral_norm(nn.Conv2d(dim, 1, kernel_size=4, stride=1, padding=0, bias=False))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = self.model(x)
        # Official quirk: the logits use the spectrally normalised weight, but the channel
        # re-weighting uses the raw ``weight_orig``.
        x, cam_logit, heatmap = class_activation_map(
            x,
            self.gap_fc,
            self.gmp_fc,
            self.gap_fc.weight_orig,
            self.gmp_fc.weight_orig,
            self.conv1x1,
            self.leaky_relu,
        )
        return self.conv(self.pad(x)), cam_logit, heatmap
