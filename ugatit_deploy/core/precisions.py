"""The precisions ugatit-deploy knows, defined once: what each is, whether ``export`` writes it as an
ONNX variant, and its default parity gate; and the ``--gate`` spec that moves those gates. The CLI's
choices and help texts, export, the formats, the backends, the benchmarks and the metadata schema all
read this list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import UgatitDeployError
from .gates import WINOGRAD_FP32_GATE, Gate, GateError


@dataclass(frozen=True)
class Precision:
    name: str
    summary: str
    gate: Gate  # default pass criteria against PyTorch FP32 (export validation and bench)
    exported: bool = True  # an ONNX variant `ugatit-deploy export` writes (bf16 is a runtime mode)
    int8: bool = False  # a calibrated Q/DQ graph
    tensorrt: bool = True  # TensorRT can build it (symmetric Q/DQ only)
    trt_weak_flags: tuple[str, ...] = ()  # builder flags for TensorRT < 10.12 (not strongly typed)
    winograd: bool = False  # 3x3 convolutions in Winograd graph form (``export.winograd``): fewer multiply-adds
    int8x3: bool = False  # FP32-grade convolutions as three INT8 digit products (``export.int8x3``): calibrated


# Gates, measured: ONNX Runtime's CPU kernels land up to 1.6e-4 from PyTorch FP32 on the official 256 px
# light generator, OpenVINO's up to 6.1e-4 (flat synthetic images), PyTorch FP32 itself 9e-6 from float64:
# fp32's 1e-3 (1/8 of a uint8 step) still catches any real graph error (those show up at >= 1e-2).
# Lossy precisions are judged in image terms: FP16 measured 64-74 dB, SSIM >= 0.9998 on the demo model and
# on light 256 px models with random norm parameters (whose max abs error reaches 1.3e-2: no max-abs bound).
def _int8(name: str, summary: str, tensorrt: bool = True) -> Precision:
    """An INT8 Q/DQ variant: gated at 30 dB in the calibration domain; FP16 beside INT8 on weakly typed TensorRT."""
    return Precision(name, summary, Gate(min_psnr_db=30.0), int8=True, tensorrt=tensorrt,
                     trt_weak_flags=("INT8", "FP16"))  # fmt: skip


PRECISIONS: tuple[Precision, ...] = (
    Precision("fp32", "float32, the reference graph", Gate(max_abs=1e-3, max_aux_error=1e-3)),
    # Judged FP32-grade as the Winograd runtimes are (its transforms round differently). Measured: 9.5e-6 max
    # abs from the fp32 graph on the official light generator, 7.7e-4 from PyTorch on the trained built-in model
    # (the fp32 graph's own: 7.6e-4), 92-97 dB.
    Precision(
        "fp32-winograd",
        "float32 with the 3x3 convolutions as Winograd F(4x4, 3x3) in plain ONNX ops, 4x fewer multiply-adds "
        "for runtimes without a Winograd kernel (ONNX Runtime, OpenVINO); fixed height and width",
        WINOGRAD_FP32_GATE,
        tensorrt=False,
        winograd=True,
    ),  # fmt: skip
    # FP32-grade too. Measured against the fp32 graph on OpenVINO (12 held-out photos): 71.4 dB on the official
    # light generator, 66.9 dB (worst 65.3) on the trained built-in model.
    Precision(
        "fp32-int8x3",
        "FP32-grade convolutions on INT8 kernels: each as three INT8 products of 8-bit input and 7-bit weight "
        "digits (x_hi w_hi + x_hi w_lo + x_lo w_hi, calibrated ranges); fast where INT8 is (AMX, VNNI)",
        WINOGRAD_FP32_GATE,
        tensorrt=False,
        int8x3=True,
    ),  # fmt: skip
    Precision(
        "fp16",
        "float16 weights and activations, every normalization in float32",
        Gate(min_psnr_db=50.0, min_ssim=0.999),
        trt_weak_flags=("FP16",),
    ),  # fmt: skip
    _int8("int8", "INT8 Q/DQ, symmetric (zero points 0): the graph TensorRT takes"),
    _int8(
        "int8-cpu", "INT8 Q/DQ with uint8 activations: the fast x86 graph for ONNX Runtime and OpenVINO", tensorrt=False
    ),  # fmt: skip
    # BF16 keeps 8 mantissa bits: measured ~48 dB on the light generator (random weights).
    Precision(
        "bf16",
        "bfloat16 compute on an fp32 file (OpenVINO's precision hint, CPUs with AVX512_BF16/AMX)",
        Gate(min_psnr_db=40.0),
        exported=False,
        tensorrt=False,
    ),  # fmt: skip
)
BY_NAME = {p.name: p for p in PRECISIONS}
PRECISION_NAMES = tuple(BY_NAME)
EXPORT_PRECISIONS = tuple(p.name for p in PRECISIONS if p.exported)
INT8_PRECISIONS = tuple(p.name for p in PRECISIONS if p.int8)
WINOGRAD_PRECISIONS = tuple(p.name for p in PRECISIONS if p.winograd)
INT8X3_PRECISIONS = tuple(p.name for p in PRECISIONS if p.int8x3)
FP32_PRECISIONS = ("fp32", *WINOGRAD_PRECISIONS)  # float32 arithmetic
FP32_GRADE_PRECISIONS = (*FP32_PRECISIONS, *INT8X3_PRECISIONS)  # judged as FP32 (PSNR >= 60 dB), not lossy
CALIBRATED_PRECISIONS = (*INT8_PRECISIONS, *INT8X3_PRECISIONS)  # export needs calibration images
INT8_KERNEL_PRECISIONS = CALIBRATED_PRECISIONS  # files whose convolutions run on INT8 kernels
LOSSY_PRECISIONS = tuple(p.name for p in PRECISIONS if p.name not in FP32_GRADE_PRECISIONS)
TENSORRT_PRECISIONS = tuple(p.name for p in PRECISIONS if p.exported and p.tensorrt)


class PrecisionError(UgatitDeployError):
    """A precision name ugatit-deploy does not know."""


def get_precision(name: str) -> Precision:
    if name not in BY_NAME:
        raise PrecisionError(f"unknown precision {name!r}: use {', '.join(PRECISION_NAMES)}")
    return BY_NAME[name]


def parse_export_precisions(values: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """``"fp32,fp16"`` / repeated values / ``all`` -> export precisions in the given order, no repeats."""
    items = [values] if isinstance(values, str) else list(values)
    chosen: list[str] = []
    for item in (part.strip().lower() for value in items for part in value.split(",")):
        if not item:
            continue
        for name in EXPORT_PRECISIONS if item == "all" else (item,):
            if name not in EXPORT_PRECISIONS:
                raise PrecisionError(f"{name!r}: use {', '.join(EXPORT_PRECISIONS)} or all")
            if name not in chosen:
                chosen.append(name)
    return tuple(chosen)


def export_precisions_help() -> str:
    """One line per export precision, for --help texts."""
    return "; ".join(f"{p.name}: {p.summary}" for p in PRECISIONS if p.exported)


def parse_gates(spec: str) -> dict[str, Gate]:
    """``"fp32:maxabs=1e-4,fp16:psnr=50,int8:psnr=30"`` -> {precision: Gate} with only the metrics given.
    Several metrics of one precision are joined with ``+`` (``fp16:psnr=50+ssim=0.99``) or given as
    separate items. Apply them with ``gates_with``."""
    given: dict[str, dict[str, float]] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        match = re.fullmatch(r"([a-z0-9-]+):(.+)", item)
        if not match or match.group(1) not in PRECISION_NAMES:
            raise GateError(
                f"gate {item!r}: expected PRECISION:METRIC=VALUE with PRECISION one of {', '.join(PRECISION_NAMES)}"
            )
        given.setdefault(match.group(1), {}).update(Gate.parse_terms(match.group(2), item))
    if not given:
        raise GateError("empty --gate: give e.g. fp32:maxabs=1e-4,int8:psnr=30")
    return {precision: Gate(**values) for precision, values in given.items()}


def gates_with(overrides: dict[str, Gate] | None = None) -> dict[str, Gate]:
    """Every precision's default gate, moved by ``overrides`` (from ``parse_gates``)."""
    overrides = overrides or {}
    return {p.name: p.gate.moved_by(overrides.get(p.name)) for p in PRECISIONS}
