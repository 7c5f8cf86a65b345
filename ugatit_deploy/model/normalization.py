"""adaILN and ILN, the normalization layers of U-GAT-IT, and the rho clipper used in training.

Both mix instance-norm and layer-norm statistics with a learned per-channel ``rho``. Like the official
PyTorch code they use ``torch.var``'s default, the *unbiased* variance (divide by N - 1), which differs
from ``nn.InstanceNorm2d`` / ``nn.LayerNorm`` (biased). Exporters rely on this exact definition.
"""

from __future__ import annotations

import torch
from torch import nn

EPS = 1e-5


def instance_layer_mix(x: torch.Tensor, rho: torch.Tensor, eps: float = EPS, unbiased: bool = True) -> torch.Tensor:
    """``rho * IN(x) + (1 - rho) * LN(x)``; x is B x C x H x W, rho 1 x C x 1 x 1. Unbiased variances, as
    the official PyTorch code; ``unbiased=False`` for the official TensorFlow code's (``tf.nn.moments``).

    Half-precision inputs (bf16 autocast) are normalised in float32: their statistics would overflow
    or lose precision. Float32 and float64 inputs are computed as they are.
    """
    if x.dtype in (torch.float16, torch.bfloat16):
        return instance_layer_mix(x.float(), rho.float(), eps, unbiased).to(x.dtype)
    in_mean = x.mean(dim=(2, 3), keepdim=True)
    in_var = x.var(dim=(2, 3), keepdim=True, unbiased=unbiased)
    ln_mean = x.mean(dim=(1, 2, 3), keepdim=True)
    ln_var = x.var(dim=(1, 2, 3), keepdim=True, unbiased=unbiased)
    x_in = (x - in_mean) / torch.sqrt(in_var + eps)
    x_ln = (x - ln_mean) / torch.sqrt(ln_var + eps)
    return rho * x_in + (1 - rho) * x_ln


class AdaILN(nn.Module):
    """Adaptive instance-layer normalization: the affine comes from the generator's gamma/beta MLP.

    Owns one parameter, ``rho`` (1 x C x 1 x 1, initialised to 0.9).
    """

    unbiased = True  # the official PyTorch code's torch.var default

    def __init__(self, num_features: int, eps: float = EPS) -> None:
        super().__init__()
        self.eps = eps
        self.rho = nn.Parameter(torch.full((1, num_features, 1, 1), 0.9))

    def effective_rho(self) -> torch.Tensor:
        """The rho the forward pass mixes with."""
        return self.rho

    def forward(self, x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        mixed = instance_layer_mix(x, self.effective_rho(), self.eps, self.unbiased)
        return mixed * gamma[:, :, None, None] + beta[:, :, None, None]


class ILN(nn.Module):
    """Instance-layer normalization with its own affine: ``rho`` (init 0), ``gamma`` (1), ``beta`` (0)."""

    unbiased = True

    def __init__(self, num_features: int, eps: float = EPS) -> None:
        super().__init__()
        self.eps = eps
        self.rho = nn.Parameter(torch.zeros(1, num_features, 1, 1))
        self.gamma = nn.Parameter(torch.ones(1, num_features, 1, 1))
        self.beta = nn.Parameter(torch.zeros(1, num_features, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return instance_layer_mix(x, self.rho, self.eps, self.unbiased) * self.gamma + self.beta


class RhoClipper:
    """Clamp every ``rho`` of a model into [low, high]; use as ``model.apply(RhoClipper(0, 1))``."""

    def __init__(self, low: float = 0.0, high: float = 1.0) -> None:
        if not low < high:
            raise ValueError(f"RhoClipper needs low < high, got {low} and {high}")
        self.low = low
        self.high = high

    def __call__(self, module: nn.Module) -> None:
        rho = getattr(module, "rho", None)
        if isinstance(rho, torch.Tensor):
            with torch.no_grad():
                rho.clamp_(self.low, self.high)
