"""The generator of the official TensorFlow code (taki0112/UGATIT), the one the released selfie2anime
weights belong to, as a PyTorch module.

It differs from the PyTorch reference (``ResnetGenerator``) in ways that change every output:

- every convolution has a bias; the encoder's instance norms have a learned scale and offset;
- one CAM dense layer with a bias serves both poolings, and the channels are re-weighted with w + b;
- the gamma/beta MLP's dense layers have biases; a full model's MLP reads the bottleneck flattened in
  (h, w, c) order (TensorFlow's NHWC);
- AdaLIN / LIN use *biased* variances; with ``smoothing`` (the official default) AdaLIN mixes with
  clip(rho - 0.1, 0, 1) (LIN never smooths);
- the stride-2 convolutions pad top/left by 1 and bottom/right by 0 (reflect), as TF's ``conv`` does.

Attribute names follow ``ResnetGenerator`` where the roles are the same (``DownBlock``, ``UpBlock1_i``,
``UpBlock2``, ``FC``, ``gamma``, ``beta``, ``conv1x1``), so export, sensitivity and the layer names of
``--keep-fp`` work on both; ``ugatit_deploy.checkpoint.tf_convert`` maps the TF variables onto them.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .cam import class_activation_map
from .generator import StyleDecoder, check_input_size
from .normalization import EPS, ILN, AdaILN

SMOOTHING_OFFSET = 0.1  # AdaLIN with smoothing uses clip(rho - 0.1, 0, 1)


class AdaLIN(AdaILN):
    """TF ``adaptive_instance_layer_norm``: biased statistics, affine from the MLP; ``rho`` (init 1) is mixed
    as clip(rho - 0.1, 0, 1) with ``smoothing``."""

    unbiased = False

    def __init__(self, num_features: int, smoothing: bool = True, eps: float = EPS) -> None:
        super().__init__(num_features, eps)
        self.smoothing = smoothing
        with torch.no_grad():
            self.rho.fill_(1.0)

    def effective_rho(self) -> torch.Tensor:
        return (self.rho - SMOOTHING_OFFSET).clamp(0.0, 1.0) if self.smoothing else self.rho


class LIN(ILN):
    """TF ``layer_instance_norm``: biased statistics, its own ``rho`` (init 0), ``gamma`` (1), ``beta`` (0)."""

    unbiased = False


class TopLeftReflectionPad(nn.Module):
    """Reflect-pad ``pad`` rows/columns at the top and left only: TF's padding of its 3x3 stride-2 convs."""

    def __init__(self, pad: int) -> None:
        super().__init__()
        self.pad = pad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x, (self.pad, 0, self.pad, 0), mode="reflect")


def _conv(in_channels: int, out_channels: int, kernel: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_channels, out_channels, kernel_size=kernel, stride=stride, padding=0, bias=True)


class TFResnetBlock(nn.Module):
    """TF ``resblock``: (pad, conv, affine IN, ReLU, pad, conv, affine IN) + identity."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), _conv(dim, dim, 3), nn.InstanceNorm2d(dim, affine=True), nn.ReLU(True),
            nn.ReflectionPad2d(1), _conv(dim, dim, 3), nn.InstanceNorm2d(dim, affine=True),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class TFResnetAdaLINBlock(nn.Module):
    """TF ``adaptive_ins_layer_resblock``: the two AdaLIN norms take the shared (gamma, beta)."""

    def __init__(self, dim: int, smoothing: bool) -> None:
        super().__init__()
        self.pad1 = nn.ReflectionPad2d(1)
        self.conv1 = _conv(dim, dim, 3)
        self.norm1 = AdaLIN(dim, smoothing)
        self.relu1 = nn.ReLU(True)
        self.pad2 = nn.ReflectionPad2d(1)
        self.conv2 = _conv(dim, dim, 3)
        self.norm2 = AdaLIN(dim, smoothing)

    def forward(self, x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        out = self.relu1(self.norm1(self.conv1(self.pad1(x)), gamma, beta))
        return x + self.norm2(self.conv2(self.pad2(out)), gamma, beta)


class TFResnetGenerator(StyleDecoder):
    """The official TensorFlow U-GAT-IT generator (``ch`` = ngf, ``n_res`` = n_blocks; the official
    MLP is ch * n_res wide, so only n_blocks = 4 loads from TF files). ``forward`` returns
    ``(image, cam_logit, heatmap)`` like ``ResnetGenerator``: B x 3 x H x W, B x 2 (gap, gmp) and
    B x 1 x H/4 x W/4."""

    variant = "tensorflow"

    def __init__(self, ngf: int = 64, n_blocks: int = 4, img_size: int = 256, light: bool = False,
                 smoothing: bool = True) -> None:  # fmt: skip
        super().__init__()
        if ngf < 1 or n_blocks < 0 or img_size < 4 or img_size % 4:
            raise ValueError(f"invalid TF generator: ngf={ngf}, n_blocks={n_blocks}, img_size={img_size}")
        self.ngf, self.n_blocks, self.img_size, self.light, self.smoothing = ngf, n_blocks, img_size, light, smoothing
        dim = ngf * 4
        down: list[nn.Module] = [nn.ReflectionPad2d(3), _conv(3, ngf, 7), nn.InstanceNorm2d(ngf, affine=True),
                                 nn.ReLU(True)]  # fmt: skip
        for channels in (ngf, ngf * 2):
            down += [TopLeftReflectionPad(1), _conv(channels, channels * 2, 3, stride=2),
                     nn.InstanceNorm2d(channels * 2, affine=True), nn.ReLU(True)]  # fmt: skip
        down += [TFResnetBlock(dim) for _ in range(n_blocks)]
        self.DownBlock = nn.Sequential(*down)

        self.cam_fc = nn.Linear(dim, 1, bias=True)  # shared by the average- and the max-pooled logits
        self.conv1x1 = _conv(dim * 2, dim, 1)
        self.relu = nn.ReLU(True)

        mlp_in = dim if light else (img_size // 4) ** 2 * dim
        self.FC = nn.Sequential(nn.Linear(mlp_in, dim), nn.ReLU(True), nn.Linear(dim, dim), nn.ReLU(True))
        self.gamma = nn.Linear(dim, dim)
        self.beta = nn.Linear(dim, dim)
        for i in range(1, n_blocks + 1):
            setattr(self, f"UpBlock1_{i}", TFResnetAdaLINBlock(dim, smoothing))

        up: list[nn.Module] = []
        for channels in (dim, dim // 2):
            up += [nn.Upsample(scale_factor=2, mode="nearest"), nn.ReflectionPad2d(1),
                   _conv(channels, channels // 2, 3), LIN(channels // 2), nn.ReLU(True)]  # fmt: skip
        up += [nn.ReflectionPad2d(3), _conv(ngf, 3, 7), nn.Tanh()]
        self.UpBlock2 = nn.Sequential(*up)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        check_input_size(x, self.light, self.img_size)
        x = self.DownBlock(x)
        weight = self.cam_fc.weight + self.cam_fc.bias[:, None]  # one dense layer for both; TF re-weights with w + b
        x, cam_logit, heatmap = class_activation_map(x, self.cam_fc, self.cam_fc, weight, weight, self.conv1x1,
                                                     self.relu)  # fmt: skip
        mlp_in = F.adaptive_avg_pool2d(x, 1).flatten(1) if self.light else x.permute(0, 2, 3, 1).flatten(1)
        return self.decode(x, mlp_in), cam_logit, heatmap
