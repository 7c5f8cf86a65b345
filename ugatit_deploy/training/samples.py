"""Sample grids written during training: for each direction, one column per sample image and rows
input | CAM heatmap over the input | translation | cycle back to the input domain."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..core.fileio import atomic_output
from ..core.heatmap import heatmap_overlay
from ..core.imaging import image_to_tensor, tensor_to_uint8

ROWS = ("input", "CAM heatmap", "translation", "cycle")


def fixed_samples(domain, count: int, size: int) -> torch.Tensor:
    """The first ``count`` images of a domain, centre-resized to ``size``: the same every time."""
    picks = [domain[i % len(domain)] for i in range(count)]
    return torch.stack([image_to_tensor(img.resize((size, size))) for img in picks])


@torch.no_grad()
def translation_grid(forward: torch.nn.Module, backward: torch.nn.Module, images: torch.Tensor) -> np.ndarray:
    """The grid for one direction as H x W x 3 uint8 (rows: ROWS; one column per image).

    Runs under no_grad with the networks in eval mode, one image at a time: sampling never holds
    activations for backprop (the official code ran out of memory here).
    """
    was_training = forward.training, backward.training
    forward.eval(), backward.eval()
    device = next(forward.parameters()).device
    columns = []
    try:
        for image in images:
            x = image[None].to(device)
            translated, _, heatmap = forward(x)
            cycled, _, _ = backward(translated)
            source = tensor_to_uint8(x[0])
            columns.append(
                np.concatenate(
                    [
                        source,
                        heatmap_overlay(source, heatmap[0]),
                        tensor_to_uint8(translated[0]),
                        tensor_to_uint8(cycled[0]),
                    ],
                    axis=0,
                )
            )
    finally:
        forward.train(was_training[0]), backward.train(was_training[1])
    return np.concatenate(columns, axis=1)


def write_png(array: np.ndarray, path: Path) -> None:
    with atomic_output(path) as handle:
        Image.fromarray(array).save(handle, format="PNG")
