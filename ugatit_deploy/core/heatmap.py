"""CAM heatmaps as images: normalise, upsample, colour with a jet map and blend over the input."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def jet(values: np.ndarray) -> np.ndarray:
    """Map values in [0, 1] to RGB uint8 with the classic jet colormap (blue -> cyan -> yellow -> red)."""
    v = np.clip(values, 0.0, 1.0)[..., None]
    r = np.clip(1.5 - np.abs(4 * v - 3), 0, 1)
    g = np.clip(1.5 - np.abs(4 * v - 2), 0, 1)
    b = np.clip(1.5 - np.abs(4 * v - 1), 0, 1)
    return np.round(np.concatenate([r, g, b], axis=-1) * 255).astype(np.uint8)


def heatmap_overlay(image: np.ndarray, heatmap: torch.Tensor, alpha: float = 0.5) -> np.ndarray:
    """Blend a 1 x h x w heatmap (min-max normalised, bilinear-upsampled) over an H x W x 3 uint8 image."""
    height, width = image.shape[:2]
    heat = F.interpolate(heatmap.detach().float().cpu()[None], size=(height, width), mode="bilinear")[0, 0]
    heat = heat - heat.min()
    heat = (heat / heat.max()).numpy() if float(heat.max()) > 0 else heat.numpy()
    blended = (1 - alpha) * image.astype(np.float32) + alpha * jet(heat).astype(np.float32)
    return np.round(blended).astype(np.uint8)
