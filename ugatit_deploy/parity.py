"""Parity measures between a backend's images and the PyTorch FP32 reference, on [-1, 1] tensors.

One definition shared by export validation, benchmarks and tests. PSNR uses data_range 2 (the
generator's tanh range); one uint8 step is 2/255, so max_abs < 1/255 changes no uint8 pixel.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from .errors import UgatitDeployError


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


class GateError(UgatitDeployError):
    """A gate specification that cannot be parsed."""


@dataclass(frozen=True)
class Gate:
    """Pass criteria of one precision against the PyTorch FP32 reference. NaN/Inf always fail."""

    max_abs: float | None = None
    min_psnr_db: float | None = None
    min_ssim: float | None = None
    max_aux_error: float | None = None  # cam_logit / heatmap, relative to max(1, |reference|)

    def failures(self, stats: dict, label: str = "") -> list[str]:
        """What fails in an ``image_parity`` result (empty when it passes)."""
        where = f"{label}: " if label else ""
        problems = []
        if stats.get("nonfinite"):
            problems.append(f"{where}{stats['nonfinite']} NaN/Inf values")
        if self.max_abs is not None and stats["max_abs"] > self.max_abs:
            problems.append(f"{where}max abs error {stats['max_abs']:.2e} > {self.max_abs:.0e}")
        if self.min_psnr_db is not None and stats["psnr_db"] < self.min_psnr_db:
            problems.append(f"{where}PSNR {stats['psnr_db']:.1f} dB < {self.min_psnr_db:g} dB")
        if self.min_ssim is not None and stats.get("ssim", 1.0) < self.min_ssim:
            problems.append(f"{where}SSIM {stats['ssim']:.4f} < {self.min_ssim:g}")
        if self.max_aux_error is not None:
            for key, value in stats.items():
                if key.endswith("_rel_max") and value > self.max_aux_error:
                    problems.append(f"{where}{key[:-8]} relative error {value:.2e} > {self.max_aux_error:.0e}")
        return problems

    def describe(self) -> dict[str, float]:
        names = {"max_abs": "maxabs", "min_psnr_db": "psnr", "min_ssim": "ssim", "max_aux_error": "aux"}
        return {names[k]: v for k, v in self.__dict__.items() if v is not None}


# The default gates of export validation and `bench` (one uint8 step is 2/255 = 7.8e-3). FP32: ONNX
# Runtime's CPU kernels land up to 1.6e-4 from PyTorch on the official 256 px light generator (batch 4;
# the naive export too: it is the kernels, not the AdaILN pattern), OpenVINO's up to 6.1e-4 (on the flat
# synthetic images; 5e-5 on photos), while PyTorch FP32 is 9e-6 from float64: 1e-3 (1/8 of a uint8
# step) leaves headroom and still catches any real graph error (those show up at >= 1e-2).
GATES = {
    "fp32": Gate(max_abs=1e-3, max_aux_error=1e-3),
    "fp16": Gate(max_abs=1e-2, min_psnr_db=50.0),
    "int8": Gate(min_psnr_db=30.0),
    "int8-cpu": Gate(min_psnr_db=30.0),
    # BF16 keeps 8 mantissa bits: measured ~48 dB on the light generator (random weights).
    "bf16": Gate(min_psnr_db=40.0),
}
# What a lossy CPU mode (bf16, int8) must reach before the main job or `--keep-fp auto` picks it:
# images a viewer cannot tell from FP32 (the CPU fast-path issue's bar).
FAST_PATH_GATE = Gate(min_psnr_db=35.0, min_ssim=0.98)
_GATE_KEYS = {"maxabs": "max_abs", "psnr": "min_psnr_db", "ssim": "min_ssim", "aux": "max_aux_error"}


def parse_gates(spec: str) -> dict[str, Gate]:
    """``"fp32:maxabs=1e-4,fp16:psnr=50,int8:psnr=30"`` -> {precision: Gate}. Several metrics of one
    precision are joined with ``+`` (``fp16:psnr=50+maxabs=1e-2``) or given as separate items."""
    fields: dict[str, dict[str, float]] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        match = re.fullmatch(r"([a-z0-9-]+):(.+)", item)
        if not match or match.group(1) not in GATES:
            raise GateError(f"gate {item!r}: expected PRECISION:METRIC=VALUE with PRECISION one of {', '.join(GATES)}")
        for term in match.group(2).split("+"):
            metric, _, value = term.partition("=")
            if metric.strip() not in _GATE_KEYS:
                raise GateError(f"gate {item!r}: unknown metric {metric.strip()!r} (use {', '.join(_GATE_KEYS)})")
            try:
                number = float(value)
            except ValueError:
                raise GateError(f"gate {item!r}: {value!r} is not a number") from None
            fields.setdefault(match.group(1), {})[_GATE_KEYS[metric.strip()]] = number
    if not fields:
        raise GateError("empty --gate: give e.g. fp32:maxabs=1e-4,int8:psnr=30")
    return {precision: Gate(**values) for precision, values in fields.items()}
