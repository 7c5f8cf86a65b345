"""CAM heatmaps beside translations (``infer --heatmap``): which outputs carry them, how the file is named,
and the picture: the attention over the input image, drawn with ``core.heatmap`` (which training's sample
grids share, hence its place in the core)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..backends import Backend
from ..core.errors import UgatitDeployError
from ..core.heatmap import heatmap_overlay


def run_with_heatmaps(backend: Backend, batch: np.ndarray) -> dict[str, np.ndarray]:
    """``output`` and ``heatmap`` of a batch; an error that says how to get a model file that has them."""
    outputs = backend.run_outputs(batch)
    if "heatmap" not in outputs:
        raise UgatitDeployError("--heatmap needs a checkpoint or an ONNX exported with --outputs all")
    return outputs


def heatmap_path(translation: Path) -> Path:
    """``face.png`` -> ``face_heatmap.png`` beside it."""
    return translation.with_name(f"{translation.stem}_heatmap.png")


def heatmap_picture(image: np.ndarray, heatmap: np.ndarray) -> np.ndarray:
    """The 1 x h x w heatmap over an H x W x 3 uint8 image (the input as the user sees it)."""
    return heatmap_overlay(image, torch.from_numpy(heatmap))
