"""Parameter and multiply-accumulate counts, computed on the meta device (no memory, no compute)."""

from __future__ import annotations

import torch
from torch import nn


def count_parameters(model: nn.Module) -> int:
    """Total number of parameter elements."""
    return sum(p.numel() for p in model.parameters())


def count_macs(model: nn.Module, input_shape: tuple[int, ...]) -> int:
    """Multiply-accumulates of one forward pass at ``input_shape`` (convolutions and linear layers).

    Normalization, activations and element-wise ops are left out, as in the usual GMAC figures.
    The forward runs on the model's own device: build it with ``GeneratorConfig.build("meta")`` and a
    full 256 px generator costs milliseconds and no memory.
    """
    macs = 0

    def conv_hook(module: nn.Conv2d, _inputs: tuple, output: torch.Tensor) -> None:
        nonlocal macs
        kernel = module.weight.shape[1] * module.weight.shape[2] * module.weight.shape[3]
        macs += output.numel() * kernel

    def linear_hook(module: nn.Linear, _inputs: tuple, output: torch.Tensor) -> None:
        nonlocal macs
        macs += output.numel() * module.in_features

    device = next(model.parameters()).device
    handles = []
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            handles.append(module.register_forward_hook(conv_hook))
        elif isinstance(module, nn.Linear):
            handles.append(module.register_forward_hook(linear_hook))
    try:
        with torch.no_grad():
            model(torch.zeros(input_shape, device=device))
    finally:
        for handle in handles:
            handle.remove()
    return macs
