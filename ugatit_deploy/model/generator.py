"""The U-GAT-IT generator, module for module as in the official PyTorch code.

The attribute names, their registration order and every parameter shape are a public contract: they are
the state_dict keys of official checkpoints. Modules are *created* in the official order too, so the same
seed gives the same initial weights as the official code.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .cam import class_activation_map
from .normalization import ILN, AdaILN

N_DOWNSAMPLING = 2  # the encoder halves H and W twice: the bottleneck is H/4 x W/4


def check_input_size(x: torch.Tensor, light: bool, img_size: int) -> None:
    """A full model's MLP reads the flattened bottleneck: it only takes its own img_size."""
    if not light and tuple(x.shape[2:]) != (img_size, img_size):
        raise ValueError(
            f"a full (non-light) generator built for {img_size} px only takes "
            f"{img_size}x{img_size} inputs, got {x.shape[2]}x{x.shape[3]}"
        )


class ResnetBlock(nn.Module):
    """Encoder residual block: (pad, conv3x3, IN, ReLU, pad, conv3x3, IN) + identity; no ReLU after."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(dim, dim, kernel_size=3, stride=1, padding=0, bias=False),
            nn.InstanceNorm2d(dim),
            nn.ReLU(True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(dim, dim, kernel_size=3, stride=1, padding=0, bias=False),
            nn.InstanceNorm2d(dim),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class ResnetAdaILNBlock(nn.Module):
    """Decoder bottleneck block whose two norms take the shared (gamma, beta) from the MLP."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.pad1 = nn.ReflectionPad2d(1)
        self.conv1 = nn.Conv2d(dim, dim, kernel_size=3, stride=1, padding=0, bias=False)
        self.norm1 = AdaILN(dim)
        self.relu1 = nn.ReLU(True)
        self.pad2 = nn.ReflectionPad2d(1)
        self.conv2 = nn.Conv2d(dim, dim, kernel_size=3, stride=1, padding=0, bias=False)
        self.norm2 = AdaILN(dim)

    def forward(self, x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        out = self.relu1(self.norm1(self.conv1(self.pad1(x)), gamma, beta))
        out = self.norm2(self.conv2(self.pad2(out)), gamma, beta)
        return out + x


class StyleDecoder(nn.Module):
    """What both generator variants share after the CAM: the MLP (``FC``, ``gamma``, ``beta``) turns the
    attended bottleneck into one (gamma, beta) pair that drives every ``UpBlock1_i``; ``UpBlock2`` upsamples.
    Holds no parameters of its own (the subclasses register them, in their official order)."""

    n_blocks: int

    def up_blocks(self) -> list[nn.Module]:
        """The decoder's adaptive blocks, UpBlock1_1 .. UpBlock1_n."""
        return [getattr(self, f"UpBlock1_{i}") for i in range(1, self.n_blocks + 1)]

    def decode(self, x: torch.Tensor, mlp_in: torch.Tensor) -> torch.Tensor:
        style = self.FC(mlp_in)
        gamma, beta = self.gamma(style), self.beta(style)
        for block in self.up_blocks():
            x = block(x, gamma, beta)
        return self.UpBlock2(x)


class ResnetGenerator(StyleDecoder):
    """U-GAT-IT generator: encoder, CAM attention, gamma/beta MLP, AdaILN decoder.

    Args:
        ngf: channels of the first conv (the bottleneck has 4 * ngf).
        n_blocks: residual blocks in the encoder, and AdaILN blocks in the decoder.
        img_size: the training size. Full models (light=False) only run at this size because their MLP
            reads the flattened bottleneck; light models run at any multiple of 4.
        light: feed the MLP the global average pool of the bottleneck (the official "light" model).

    ``forward(x)`` takes B x 3 x H x W in [-1, 1] and returns ``(image, cam_logit, heatmap)``:
    B x 3 x H x W (tanh), B x 2 (gap, gmp) and B x 1 x H/4 x W/4.
    """

    variant = "pytorch"  # the official PyTorch code's generator (``TFResnetGenerator``: "tensorflow")

    def __init__(
        self,
        ngf: int = 64,
        n_blocks: int = 4,
        img_size: int = 256,
        light: bool = False,
        input_nc: int = 3,
        output_nc: int = 3,
    ) -> None:
        super().__init__()
        if ngf < 1 or n_blocks < 0:
            raise ValueError(f"ngf must be >= 1 and n_blocks >= 0, got ngf={ngf}, n_blocks={n_blocks}")
        if img_size < 4 or img_size % 4:
            raise ValueError(f"img_size must be a positive multiple of 4, got {img_size}")
        self.input_nc = input_nc
        self.output_nc = output_nc
        self.ngf = ngf
        self.n_blocks = n_blocks
        self.img_size = img_size
        self.light = light
        dim = ngf * 2**N_DOWNSAMPLING  # bottleneck channels

        down: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(input_nc, ngf, kernel_size=7, stride=1, padding=0, bias=False),
            nn.InstanceNorm2d(ngf),
            nn.ReLU(True),
        ]
        for i in range(N_DOWNSAMPLING):
            channels = ngf * 2**i
            down += [
                nn.ReflectionPad2d(1),
                nn.Conv2d(channels, channels * 2, kernel_size=3, stride=2, padding=0, bias=False),
                nn.InstanceNorm2d(channels * 2),
                nn.ReLU(True),
            ]
        down += [ResnetBlock(dim) for _ in range(n_blocks)]

        # Class activation map. Registered before DownBlock, as in the official code (state_dict order).
        self.gap_fc = nn.Linear(dim, 1, bias=False)
        self.gmp_fc = nn.Linear(dim, 1, bias=False)
        self.conv1x1 = nn.Conv2d(dim * 2, dim, kernel_size=1, stride=1, bias=True)
        self.relu = nn.ReLU(True)

        mlp_in = dim if light else (img_size // 4) ** 2 * dim
        fc = [
            nn.Linear(mlp_in, dim, bias=False),
            nn.ReLU(True),
            nn.Linear(dim, dim, bias=False),
            nn.ReLU(True),
        ]
        self.gamma = nn.Linear(dim, dim, bias=False)
        self.beta = nn.Linear(dim, dim, bias=False)

        for i in range(1, n_blocks + 1):
            setattr(self, f"UpBlock1_{i}", ResnetAdaILNBlock(dim))

        up: list[nn.Module] = []
        for i in range(N_DOWNSAMPLING):
            channels = dim // 2**i
            up += [
                nn.Upsample(scale_factor=2, mode="nearest"),
                nn.ReflectionPad2d(1),
                nn.Conv2d(channels, channels // 2, kernel_size=3, stride=1, padding=0, bias=False),
                ILN(channels // 2),
                nn.ReLU(True),
            ]
        up += [
            nn.ReflectionPad2d(3),
            nn.Conv2d(ngf, output_nc, kernel_size=7, stride=1, padding=0, bias=False),
            nn.Tanh(),
        ]

        self.DownBlock = nn.Sequential(*down)
        self.FC = nn.Sequential(*fc)
        self.UpBlock2 = nn.Sequential(*up)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        check_input_size(x, self.light, self.img_size)
        x = self.DownBlock(x)

        # CAM re-weights the channels with the logit layers' own weight vectors.
        x, cam_logit, heatmap = class_activation_map(
            x, self.gap_fc, self.gmp_fc, self.gap_fc.weight, self.gmp_fc.weight, self.conv1x1, self.relu
        )

        mlp_in = F.adaptive_avg_pool2d(x, 1).flatten(1) if self.light else x.flatten(1)
        return self.decode(x, mlp_in), cam_logit, heatmap
