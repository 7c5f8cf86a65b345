"""Parity gates: the pass criteria of a precision against the PyTorch FP32 reference, and the one
``PRECISION:METRIC=VALUE`` syntax that ``export --gate`` and ``bench --gate`` share.

The default gate of each precision lives with the precision (``ugatit_deploy.precisions``); a user's
gate for a precision moves only the metrics it names and keeps the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import Any

from .errors import UgatitDeployError

METRICS = {"maxabs": "max_abs", "psnr": "min_psnr_db", "ssim": "min_ssim", "aux": "max_aux_error"}
METRIC_NAMES = {field: metric for metric, field in METRICS.items()}


class GateError(UgatitDeployError):
    """A gate specification that cannot be parsed."""


@dataclass(frozen=True)
class Gate:
    """Pass criteria of one precision against the PyTorch FP32 reference. NaN/Inf always fail."""

    max_abs: float | None = None
    min_psnr_db: float | None = None
    min_ssim: float | None = None
    max_aux_error: float | None = None  # cam_logit / heatmap, relative to max(1, |reference|)

    def failures(self, stats: dict[str, Any], label: str = "") -> list[str]:
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
        """``{metric: threshold}`` with the ``--gate`` metric names (maxabs, psnr, ssim, aux)."""
        return {METRIC_NAMES[f.name]: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def spec(self, precision: str) -> str:
        """This gate in ``--gate`` syntax, e.g. ``fp16:psnr=50+ssim=0.999``."""
        return f"{precision}:" + "+".join(f"{metric}={value:g}" for metric, value in self.describe().items())

    def moved_by(self, override: Gate) -> Gate:
        """This gate with the metrics ``override`` sets replaced (the others kept)."""
        changes = {f.name: getattr(override, f.name) for f in fields(override) if getattr(override, f.name) is not None}
        return replace(self, **changes)


# FP32 on a Winograd runtime (MNN, ncnn): the transforms round differently from a direct convolution, so
# the max abs error can pass 1e-3 while the images stay indistinguishable; judged "FP32-grade" instead.
WINOGRAD_FP32_GATE = Gate(min_psnr_db=60.0, min_ssim=0.999)
# Where a runtime (artifact kind) is judged differently from the precision's default gate.
RUNTIME_GATES: dict[str, dict[str, Gate]] = {"mnn": {"fp32": WINOGRAD_FP32_GATE}}

# What a lossy CPU mode (bf16, int8) must reach before the main job or `--keep-fp auto` picks it:
# images a viewer cannot tell from FP32 (the CPU fast-path issue's bar).
FAST_PATH_GATE = Gate(min_psnr_db=35.0, min_ssim=0.98)


def parse_gates(spec: str) -> dict[str, Gate]:
    """``"fp32:maxabs=1e-4,fp16:psnr=50,int8:psnr=30"`` -> {precision: Gate} with only the metrics given.
    Several metrics of one precision are joined with ``+`` (``fp16:psnr=50+ssim=0.99``) or given as
    separate items. Apply them with ``gates_with``."""
    from .precisions import PRECISION_NAMES

    given: dict[str, dict[str, float]] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        match = re.fullmatch(r"([a-z0-9-]+):(.+)", item)
        if not match or match.group(1) not in PRECISION_NAMES:
            raise GateError(
                f"gate {item!r}: expected PRECISION:METRIC=VALUE with PRECISION one of {', '.join(PRECISION_NAMES)}"
            )
        for term in match.group(2).split("+"):
            metric, _, value = term.partition("=")
            if metric.strip() not in METRICS:
                raise GateError(f"gate {item!r}: unknown metric {metric.strip()!r} (use {', '.join(METRICS)})")
            try:
                number = float(value)
            except ValueError:
                raise GateError(f"gate {item!r}: {value!r} is not a number") from None
            given.setdefault(match.group(1), {})[METRICS[metric.strip()]] = number
    if not given:
        raise GateError("empty --gate: give e.g. fp32:maxabs=1e-4,int8:psnr=30")
    return {precision: Gate(**values) for precision, values in given.items()}


def gates_with(overrides: dict[str, Gate] | None = None) -> dict[str, Gate]:
    """Every precision's default gate, moved by ``overrides`` (from ``parse_gates``)."""
    from .precisions import PRECISIONS

    overrides = overrides or {}
    return {p.name: p.gate.moved_by(overrides[p.name]) if p.name in overrides else p.gate for p in PRECISIONS}


def runtime_gate(kind: str, precision: str, defaults: dict[str, Gate], overrides: dict[str, Gate] | None) -> Gate:
    """The gate of ``precision`` on a runtime (``RUNTIME_GATES``), moved by the user's ``--gate`` for it."""
    base = RUNTIME_GATES.get(kind, {}).get(precision)
    if base is None:
        return defaults[precision]
    override = (overrides or {}).get(precision)
    return base.moved_by(override) if override else base
