"""Parity gates: the pass criteria of images against the PyTorch FP32 reference, judged on an
``ImageParity`` by its fields, and the ``METRIC=VALUE[+METRIC=VALUE]`` terms of ``--gate``.

Which gate applies to which graph form or compute hint by default lives with them (``forms``, which also
parses a whole ``NAME:METRIC=VALUE,...`` spec); a format whose runtime is judged differently declares its
own (``formats``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from .errors import UgatitDeployError
from .parity import ImageParity

METRICS = {"maxabs": "max_abs", "psnr": "min_psnr_db", "ssim": "min_ssim", "aux": "max_aux_error"}
METRIC_NAMES = {field: metric for metric, field in METRICS.items()}


class GateError(UgatitDeployError):
    """A gate specification that cannot be parsed."""


@dataclass(frozen=True)
class Gate:
    """Pass criteria against the PyTorch FP32 reference. NaN/Inf always fail."""

    max_abs: float | None = None
    min_psnr_db: float | None = None
    min_ssim: float | None = None
    max_aux_error: float | None = None  # cam_logit / heatmap, relative to max(1, |reference|)

    def failures(self, parity: ImageParity, label: str = "") -> list[str]:
        """What fails in a parity measurement (empty when it passes)."""
        where = f"{label}: " if label else ""
        problems = []
        if parity.nonfinite:
            problems.append(f"{where}{parity.nonfinite} NaN/Inf values")
        if self.max_abs is not None and parity.max_abs > self.max_abs:
            problems.append(f"{where}max abs error {parity.max_abs:.2e} > {self.max_abs:.0e}")
        if self.min_psnr_db is not None and parity.psnr_db < self.min_psnr_db:
            problems.append(f"{where}PSNR {parity.psnr_db:.1f} dB < {self.min_psnr_db:g} dB")
        if self.min_ssim is not None and parity.ssim is not None and parity.ssim < self.min_ssim:
            problems.append(f"{where}SSIM {parity.ssim:.4f} < {self.min_ssim:g}")
        if self.max_aux_error is not None:
            for output, error in parity.aux.items():
                if error > self.max_aux_error:
                    problems.append(f"{where}{output} relative error {error:.2e} > {self.max_aux_error:.0e}")
        return problems

    def describe(self) -> dict[str, float]:
        """``{metric: threshold}`` with the ``--gate`` metric names (maxabs, psnr, ssim, aux)."""
        return {METRIC_NAMES[f.name]: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def spec(self, precision: str) -> str:
        """This gate in ``--gate`` syntax, e.g. ``fp16:psnr=50+ssim=0.999``."""
        return f"{precision}:" + "+".join(f"{metric}={value:g}" for metric, value in self.describe().items())

    def moved_by(self, override: Gate | None) -> Gate:
        """This gate with the metrics ``override`` sets replaced (the others kept)."""
        if override is None:
            return self
        changes = {f.name: getattr(override, f.name) for f in fields(override) if getattr(override, f.name) is not None}
        return replace(self, **changes)

    @classmethod
    def parse_terms(cls, terms: str, where: str) -> dict[str, float]:
        """``"psnr=50+ssim=0.99"`` -> ``{"min_psnr_db": 50.0, "min_ssim": 0.99}`` (GateError naming ``where``)."""
        values: dict[str, float] = {}
        for term in terms.split("+"):
            metric, _, value = term.partition("=")
            if metric.strip() not in METRICS:
                raise GateError(f"gate {where!r}: unknown metric {metric.strip()!r} (use {', '.join(METRICS)})")
            try:
                values[METRICS[metric.strip()]] = float(value)
            except ValueError:
                raise GateError(f"gate {where!r}: {value!r} is not a number") from None
        return values


# FP32 on a Winograd runtime (MNN, ncnn): the transforms round differently from a direct convolution, so
# the max abs error can pass 1e-3 while the images stay indistinguishable; judged "FP32-grade" instead.
WINOGRAD_FP32_GATE = Gate(min_psnr_db=60.0, min_ssim=0.999)

# FP16 measured 64-74 dB, SSIM >= 0.9998 on the demo model and on light 256 px models with random norm
# parameters (whose max abs error reaches 1.3e-2: no max-abs bound).
FP16_GATE = Gate(min_psnr_db=50.0, min_ssim=0.999)

# What a lossy CPU mode (bf16, int8) must reach before the main job or `--keep-fp auto` picks it:
# images a viewer cannot tell from FP32 (the CPU fast-path issue's bar).
FAST_PATH_GATE = Gate(min_psnr_db=35.0, min_ssim=0.98)
