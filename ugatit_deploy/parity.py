"""Parity measures between a backend's images and the PyTorch FP32 reference, on [-1, 1] tensors.

One definition shared by export validation, benchmarks and tests (pass criteria: ``ugatit_deploy.gates``).
PSNR uses data_range 2 (the generator's tanh range); one uint8 step is 2/255, so max_abs < 1/255 changes
no uint8 pixel.
"""

from __future__ import annotations

import math

import numpy as np


def psnr(reference: np.ndarray, candidate: np.ndarray, data_range: float = 2.0) -> float:
    mse = float(np.mean((reference.astype(np.float64) - candidate.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(data_range**2 / mse)


def to_uint8(images: np.ndarray) -> np.ndarray:
    return np.round((np.clip(images, -1, 1) + 1) * 127.5).astype(np.uint8)


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2
    window = np.exp(-(x**2) / (2 * sigma**2))
    return window / window.sum()


def _blur(images: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Separable 'valid' Gaussian filter over the last two axes."""
    out = np.apply_along_axis(np.convolve, -1, images, window, mode="valid")
    return np.apply_along_axis(np.convolve, -2, out, window, mode="valid")


def ssim(reference: np.ndarray, candidate: np.ndarray, data_range: float = 2.0) -> float:
    """Mean SSIM (Wang et al. 2004: 11 x 11 Gaussian window, sigma 1.5, K1 0.01, K2 0.03) over images
    and channels of ... x H x W arrays; windows lie fully inside the image (no padding)."""
    x, y = reference.astype(np.float64), candidate.astype(np.float64)
    size = min(11, x.shape[-1], x.shape[-2])
    size -= 1 - size % 2  # odd window for images smaller than 11 px
    window = _gaussian_window(size, 1.5 * size / 11)
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    mu_x, mu_y = _blur(x, window), _blur(y, window)
    var_x = _blur(x * x, window) - mu_x**2
    var_y = _blur(y * y, window) - mu_y**2
    cov = _blur(x * y, window) - mu_x * mu_y
    score = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    return float(score.mean())


def image_parity(reference: np.ndarray, candidate: np.ndarray) -> dict[str, float]:
    """max / mean / p99 abs error, PSNR, SSIM, % of uint8 pixels that change, NaN/Inf count."""
    finite = np.isfinite(candidate)
    error = np.abs(reference.astype(np.float64) - np.where(finite, candidate, 0).astype(np.float64))
    return {
        "max_abs": float(error.max()),
        "mean_abs": float(error.mean()),
        "p99_abs": float(np.percentile(error, 99)),
        "psnr_db": psnr(reference, np.where(finite, candidate, 0)),
        "ssim": ssim(reference, np.where(finite, candidate, 0)),
        "changed_uint8_pct": float(np.mean(to_uint8(reference) != to_uint8(candidate)) * 100),
        "nonfinite": int((~finite).sum()),
    }


def relative_max_error(reference: np.ndarray, candidate: np.ndarray) -> float:
    """Max abs error scaled by max(1, max |reference|): for unbounded outputs (logits, heatmaps)."""
    scale = max(1.0, float(np.abs(reference).max()))
    return float(np.abs(reference.astype(np.float64) - candidate).max()) / scale
