"""Parity measures between a backend's images and the PyTorch FP32 reference, on [-1, 1] tensors.

One definition shared by export validation, benchmarks and tests. PSNR uses data_range 2 (the
generator's tanh range); one uint8 step is 2/255, so max_abs < 1/255 changes no uint8 pixel.
"""

from __future__ import annotations

import math

import numpy as np


def psnr(reference: np.ndarray, candidate: np.ndarray, data_range: float = 2.0) -> float:
    mse = float(np.mean((reference.astype(np.float64) - candidate.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(data_range**2 / mse)


def to_uint8(images: np.ndarray) -> np.ndarray:
    return np.round((np.clip(images, -1, 1) + 1) * 127.5).astype(np.uint8)


def image_parity(reference: np.ndarray, candidate: np.ndarray) -> dict[str, float]:
    """max / mean / p99 abs error, PSNR, % of uint8 pixels that change, NaN/Inf count."""
    finite = np.isfinite(candidate)
    error = np.abs(reference.astype(np.float64) - np.where(finite, candidate, 0).astype(np.float64))
    return {
        "max_abs": float(error.max()),
        "mean_abs": float(error.mean()),
        "p99_abs": float(np.percentile(error, 99)),
        "psnr_db": psnr(reference, np.where(finite, candidate, 0)),
        "changed_uint8_pct": float(np.mean(to_uint8(reference) != to_uint8(candidate)) * 100),
        "nonfinite": int((~finite).sum()),
    }


def relative_max_error(reference: np.ndarray, candidate: np.ndarray) -> float:
    """Max abs error scaled by max(1, max |reference|): for unbounded outputs (logits, heatmaps)."""
    scale = max(1.0, float(np.abs(reference).max()))
    return float(np.abs(reference.astype(np.float64) - candidate).max()) / scale
