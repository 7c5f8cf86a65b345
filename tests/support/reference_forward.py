"""An independent, functional float64 forward of the U-GAT-IT generator, written from the paper and the
reference notes (shared/reference/ugatit-model.md), used to check ``ResnetGenerator`` and the loader.

It reads weights by state_dict key only, so it also checks that every key means what the official
checkpoint format says it means.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def numpy_ilnorm(x: np.ndarray, rho: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """rho * IN(x) + (1 - rho) * LN(x) in float64 NumPy, unbiased variances (ddof=1)."""
    x = x.astype(np.float64)
    mu_i = x.mean(axis=(2, 3), keepdims=True)
    var_i = x.var(axis=(2, 3), keepdims=True, ddof=1)
    mu_l = x.mean(axis=(1, 2, 3), keepdims=True)
    var_l = x.var(axis=(1, 2, 3), keepdims=True, ddof=1)
    return rho * (x - mu_i) / np.sqrt(var_i + eps) + (1 - rho) * (x - mu_l) / np.sqrt(var_l + eps)


def _conv(x: torch.Tensor, w: torch.Tensor, pad: int, stride: int = 1, bias=None) -> torch.Tensor:
    if pad:
        x = F.pad(x, (pad,) * 4, mode="reflect")
    return F.conv2d(x, w, bias, stride=stride)


def _inorm(x: torch.Tensor) -> torch.Tensor:
    mu = x.mean(dim=(2, 3), keepdim=True)
    var = ((x - mu) ** 2).mean(dim=(2, 3), keepdim=True)  # nn.InstanceNorm2d: biased
    return (x - mu) / torch.sqrt(var + 1e-5)


def _ilnorm(x: torch.Tensor, rho: torch.Tensor) -> torch.Tensor:
    n_i = x.shape[2] * x.shape[3]
    n_l = n_i * x.shape[1]
    mu_i = x.mean(dim=(2, 3), keepdim=True)
    var_i = ((x - mu_i) ** 2).sum(dim=(2, 3), keepdim=True) / (n_i - 1)
    mu_l = x.mean(dim=(1, 2, 3), keepdim=True)
    var_l = ((x - mu_l) ** 2).sum(dim=(1, 2, 3), keepdim=True) / (n_l - 1)
    return rho * (x - mu_i) / torch.sqrt(var_i + 1e-5) + (1 - rho) * (x - mu_l) / torch.sqrt(var_l + 1e-5)


def reference_generator_forward(sd: dict[str, torch.Tensor], x: torch.Tensor, light: bool):
    """(image, cam_logit, heatmap) of the generator whose weights are ``sd``, computed in float64."""
    w = {k: v.detach().to(torch.float64) for k, v in sd.items()}
    x = x.to(torch.float64)
    n_blocks = len({k.split(".")[0] for k in w if k.startswith("UpBlock1_")})

    h = F.relu(_inorm(_conv(x, w["DownBlock.1.weight"], 3)))
    h = F.relu(_inorm(_conv(h, w["DownBlock.5.weight"], 1, stride=2)))
    h = F.relu(_inorm(_conv(h, w["DownBlock.9.weight"], 1, stride=2)))
    for i in range(12, 12 + n_blocks):
        r = F.relu(_inorm(_conv(h, w[f"DownBlock.{i}.conv_block.1.weight"], 1)))
        h = h + _inorm(_conv(r, w[f"DownBlock.{i}.conv_block.5.weight"], 1))

    w_gap, w_gmp = w["gap_fc.weight"], w["gmp_fc.weight"]
    gap_logit = h.mean(dim=(2, 3)) @ w_gap.T
    gmp_logit = h.amax(dim=(2, 3)) @ w_gmp.T
    cam_logit = torch.cat([gap_logit, gmp_logit], dim=1)
    h = torch.cat([h * w_gap[0][None, :, None, None], h * w_gmp[0][None, :, None, None]], dim=1)
    h = F.relu(F.conv2d(h, w["conv1x1.weight"], w["conv1x1.bias"]))
    heatmap = h.sum(dim=1, keepdim=True)

    mlp_in = h.mean(dim=(2, 3)) if light else h.reshape(h.shape[0], -1)
    style = F.relu(F.relu(mlp_in @ w["FC.0.weight"].T) @ w["FC.2.weight"].T)
    gamma, beta = (
        (style @ w["gamma.weight"].T)[:, :, None, None],
        (style @ w["beta.weight"].T)[:, :, None, None],
    )
    for i in range(1, n_blocks + 1):
        p = f"UpBlock1_{i}."
        r = F.relu(_ilnorm(_conv(h, w[p + "conv1.weight"], 1), w[p + "norm1.rho"]) * gamma + beta)
        h = h + _ilnorm(_conv(r, w[p + "conv2.weight"], 1), w[p + "norm2.rho"]) * gamma + beta

    for conv, norm in (("UpBlock2.2", "UpBlock2.3"), ("UpBlock2.7", "UpBlock2.8")):
        h = F.interpolate(h, scale_factor=2, mode="nearest")
        h = _ilnorm(_conv(h, w[conv + ".weight"], 1), w[norm + ".rho"])
        h = F.relu(h * w[norm + ".gamma"] + w[norm + ".beta"])
    image = torch.tanh(_conv(h, w["UpBlock2.11.weight"], 3))
    return image, cam_logit, heatmap
