"""Parity measures between a backend's images and the PyTorch FP32 reference, on [-1, 1] tensors.

One definition shared by export validation, benchmarks and tests: ``image_parity`` returns one typed
value, ``ImageParity``, which gates (``ugatit_deploy.core.gates``) judge by its fields. PSNR uses data_range
2 (the generator's tanh range); one uint8 step is 2/255, so max_abs < 1/255 changes no uint8 pixel.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np

from .jsonrecord import JsonRecord, RecordError, read_value

AUX_SUFFIX = "_rel_max"  # how an auxiliary output's error is spelled in a sidecar: cam_logit_rel_max


@dataclass(frozen=True, kw_only=True)
class ImageParity(JsonRecord):
    """Images against the reference: max / mean / p99 abs error, PSNR, SSIM, % of uint8 pixels that
    change, NaN/Inf count; ``aux``: each auxiliary output's (cam_logit, heatmap) relative max error."""

    max_abs: float
    mean_abs: float
    p99_abs: float
    psnr_db: float
    ssim: float | None = None  # None only in records written before SSIM was measured
    changed_uint8_pct: float
    nonfinite: int
    aux: dict[str, float] = field(default_factory=dict)
    _not_written: ClassVar[tuple[str, ...]] = ("aux",)  # written as <output>_rel_max keys instead

    def with_aux(self, name: str, error: float) -> ImageParity:
        return replace(self, aux={**self.aux, name: error})

    def to_dict(self) -> dict[str, Any]:
        """The sidecar form: the measures, then ``<output>_rel_max`` per auxiliary output."""
        return super().to_dict() | {f"{name}{AUX_SUFFIX}": error for name, error in self.aux.items()}

    @classmethod
    def from_dict(cls, data: Any, where: str = "") -> ImageParity:
        """From the sidecar form; RecordError naming ``where`` for a missing measure or a wrong type."""
        if not isinstance(data, Mapping):
            raise RecordError(f"{where or cls.__name__}: expected an object, got {type(data).__name__}")
        plain = {key: value for key, value in data.items() if not key.endswith(AUX_SUFFIX)}
        aux = {key.removesuffix(AUX_SUFFIX): value for key, value in data.items() if key.endswith(AUX_SUFFIX)}
        measured = super().from_dict({name: value for name, value in plain.items() if name != "aux"}, where)
        parity = replace(measured, aux=read_value(dict[str, float], aux, where))
        object.__setattr__(parity, "_read_keys", getattr(measured, "_read_keys", None))
        return parity


def psnr(reference: np.ndarray, candidate: np.ndarray, data_range: float = 2.0) -> float:
    mse = float(np.mean((reference.astype(np.float64) - candidate.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(data_range**2 / mse)


def to_uint8(images: np.ndarray) -> np.ndarray:
    return np.round((np.clip(images, -1, 1) + 1) * 127.5).astype(np.uint8)


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2
    window = np.exp(-(x**2) / (2 * sigma**2))
    return window / window.sum()


def _convolve_valid(images: np.ndarray, window: np.ndarray, axis: int) -> np.ndarray:
    """``np.convolve(..., mode="valid")`` along ``axis`` of every row at once: one multiply-add per tap."""
    length = images.shape[axis] - len(window) + 1
    moved = np.moveaxis(images, axis, -1)
    out = np.zeros((*moved.shape[:-1], length))
    for tap, weight in enumerate(window[::-1]):
        out += weight * moved[..., tap : tap + length]
    return np.moveaxis(out, -1, axis)


def _blur(images: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Separable 'valid' Gaussian filter over the last two axes."""
    return _convolve_valid(_convolve_valid(images, window, -1), window, -2)


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


def image_parity(reference: np.ndarray, candidate: np.ndarray) -> ImageParity:
    """How far ``candidate`` images are from ``reference`` (NaN/Inf counted, then measured as 0)."""
    finite = np.isfinite(candidate)
    cleaned = np.where(finite, candidate, 0)
    error = np.abs(reference.astype(np.float64) - cleaned.astype(np.float64))
    with np.errstate(invalid="ignore"):  # a NaN pixel counts as changed
        changed = float(np.mean(to_uint8(reference) != to_uint8(candidate)) * 100)
    return ImageParity(
        max_abs=float(error.max()),
        mean_abs=float(error.mean()),
        p99_abs=float(np.percentile(error, 99)),
        psnr_db=psnr(reference, cleaned),
        ssim=ssim(reference, cleaned),
        changed_uint8_pct=changed,
        nonfinite=int((~finite).sum()),
    )


def relative_max_error(reference: np.ndarray, candidate: np.ndarray) -> float:
    """Max abs error scaled by max(1, max |reference|): for unbounded outputs (logits, heatmaps)."""
    scale = max(1.0, float(np.abs(reference).max()))
    return float(np.abs(reference.astype(np.float64) - candidate).max()) / scale
