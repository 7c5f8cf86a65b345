"""The INT8 export options as one value, parsed once at the boundary (CLI flags or Python arguments):
calibration images, how ranges and weights are quantized (``QuantRecipe``) and the convolutions to leave
in float (``--keep-fp``)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ...core.errors import ExportError

DEFAULT_CALIB_IMAGES = 64
# What the main job and the CPU fast path calibrate on: measured on the built-in model, the same layers kept in
# float and 39.6 dB instead of 39.3 dB for int8-cpu in 65 s instead of 143 s; calibration's cost grows with the
# images times every activation's size, and those commands must answer in minutes.
QUICK_CALIB_IMAGES = 16
CALIB_METHODS = ("minmax", "percentile", "entropy")
CONV_OUTPUTS = ("float", "int8")
WEIGHT_BITS = (8, 7)
# The defaults: what benchmarks/studies/int8_calibration.py measured best (benchmarks/results/
# int8_calibration_{trained,light256}.md, 24 held-out photos, OpenVINO CPU): the one combination that meets
# PSNR >= 35 dB / SSIM >= 0.98 on every image with both the trained built-in model (45.5 dB / 0.995, task
# score unchanged) and the official light generator at 256 px (42.1 dB / 0.988). Quantized conv outputs
# failed on both (30-32 dB / 0.89-0.92 trained); 99.99 % clipped the trained model's rare large values (worst
# image 29.5 dB), min-max lost the light generator's precision (37.9 dB / 0.969 with bias correction), entropy
# clipped far too much (24 dB); bias correction is neutral on the trained model and +4.5 dB on the light one;
# per-tensor weights cost 0.0-0.4 dB.
DEFAULT_METHOD = "percentile"
DEFAULT_PERCENTILE = 99.999
DEFAULT_BIAS_CORRECTION = True
DEFAULT_CONV_OUTPUTS = "float"


@dataclass(frozen=True)
class KeepFp:
    """INT8 convolutions to leave in float: none, ``auto`` (the fewest of the layers adding the most error
    that meet the fast-path gate), a count N (the N adding the most, ``export.int8_search``), or layer names
    (module paths such as ``UpBlock2.2``). Exactly one of the three forms, or none."""

    auto: bool = False
    count: int = 0
    names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ExportError(f"--keep-fp: a count must be >= 0, got {self.count}")
        if sum((self.auto, self.count > 0, bool(self.names))) > 1:
            raise ExportError("--keep-fp takes one of auto, a count or layer names")

    @classmethod
    def parse(cls, value: str | int | Iterable[str] | KeepFp | None) -> KeepFp:
        """``"auto"``, ``"3"`` / ``3``, ``"UpBlock2.2,DownBlock.9"`` or a sequence of names; None: none."""
        if isinstance(value, KeepFp):
            return value
        if value is None:
            return cls()
        if isinstance(value, int) and not isinstance(value, bool):
            return cls(count=value)
        if isinstance(value, str):
            text = value.strip()
            if text.lower() == "auto":
                return cls(auto=True)
            if text.isdigit():
                return cls(count=int(text))
            value = text.split(",")
        names = tuple(dict.fromkeys(str(name).strip() for name in value if str(name).strip()))
        if not names and not isinstance(value, (list, tuple)):
            raise ExportError("--keep-fp: expected auto, a count or layer names, e.g. 3 or UpBlock2.2,DownBlock.9")
        return cls(names=names)

    def __bool__(self) -> bool:
        return self.auto or self.count > 0 or bool(self.names)

    def __str__(self) -> str:
        return "auto" if self.auto else str(self.count) if self.count else ",".join(self.names)

    def check_names(self, layers: Iterable[str]) -> None:
        """Refuse names that are not convolutions of the graph (the one place this is checked)."""
        known = list(layers)
        if unknown := sorted(set(self.names) - set(known)):
            raise ExportError(f"--keep-fp: no convolution named {unknown[0]!r}; layers: {', '.join(known)}")


@dataclass(frozen=True)
class QuantRecipe:
    """How an INT8 graph is calibrated and quantized.

    ``method``: how each activation's range is chosen from the calibration images: ``minmax`` (the whole
    range seen), ``percentile`` (clip the rarest ``100 - percentile`` % of values) or ``entropy`` (the
    clipping that loses the least information, KL divergence as TensorRT does). ``per_channel``: one weight
    scale per output channel (else one per convolution). ``bias_correction``: shift each quantized
    convolution's bias by its mean per-channel error on the calibration images (``export.bias_correction``).
    ``conv_outputs``: ``float`` quantizes what enters each convolution (activations and weights) and leaves
    its output float, as TensorRT's Q/DQ placement guide does; ``int8`` also quantizes the output, one scale for
    all channels, right before the instance norm that rescales each channel (ONNX Runtime fuses only that
    form into its int8 kernel; OpenVINO runs both as int8 convolutions).
    ``weight_bits``: 8, or 7 (weights in [-64, 64]); None: the variant's (``DEFAULT_WEIGHT_BITS``, see
    ``for_variant``). CPUs without VNNI (AVX2, AVX-512 before VNNI) multiply u8 x s8 pairs into 16-bit sums
    (``vpmaddubsw``) that saturate with full-range weights; 7-bit weights cannot (ONNX Runtime's
    ``reduce_range``, NNCF's ``overflow_fix``).
    Only ``method`` and ``percentile`` change the activation ranges (and the calibration cache key)."""

    method: str = DEFAULT_METHOD
    percentile: float = DEFAULT_PERCENTILE
    per_channel: bool = True
    bias_correction: bool = DEFAULT_BIAS_CORRECTION
    conv_outputs: str = DEFAULT_CONV_OUTPUTS
    weight_bits: int | None = None

    def __post_init__(self) -> None:
        if self.method not in CALIB_METHODS:
            raise ExportError(f"--calib-method: expected {', '.join(CALIB_METHODS)}, got {self.method!r}")
        if self.conv_outputs not in CONV_OUTPUTS:
            raise ExportError(f"--conv-outputs: expected {' or '.join(CONV_OUTPUTS)}, got {self.conv_outputs!r}")
        if self.weight_bits is not None and (isinstance(self.weight_bits, bool) or self.weight_bits not in WEIGHT_BITS):
            raise ExportError(f"--weight-bits: expected 8 or 7, got {self.weight_bits!r}")
        if isinstance(self.percentile, bool) or not isinstance(self.percentile, int | float):
            raise ExportError(f"--calib-percentile: expected a number, got {self.percentile!r}")
        if not 50 < self.percentile <= 100:
            raise ExportError(f"--calib-percentile must be in (50, 100], got {self.percentile:g}")

    @classmethod
    def parse(cls, method: str | None = None, percentile: float | str | None = None, per_channel: bool = True,
              bias_correction: bool | None = None, conv_outputs: str | None = None,
              weight_bits: int | None = None) -> QuantRecipe:  # fmt: skip
        """From flags: None takes the default; a percentile is refused with any method but percentile."""
        method = DEFAULT_METHOD if method is None else str(method).strip().lower()
        if percentile is not None and method != "percentile":
            raise ExportError(f"--calib-percentile applies to --calib-method percentile, not {method}")
        try:
            value = DEFAULT_PERCENTILE if percentile is None else float(percentile)
        except ValueError:
            raise ExportError(f"--calib-percentile: expected a number, got {percentile!r}") from None
        bias = DEFAULT_BIAS_CORRECTION if bias_correction is None else bool(bias_correction)
        outputs = DEFAULT_CONV_OUTPUTS if conv_outputs is None else str(conv_outputs).strip().lower()
        return cls(method, value, bool(per_channel), bias, outputs, weight_bits)

    def with_bits(self, default_bits: int) -> QuantRecipe:
        """This recipe with a graph form's default weight bits filled in where none were asked for."""
        return self if self.weight_bits is not None else replace(self, weight_bits=default_bits)

    @property
    def ranges(self) -> str:
        """What decides the activation ranges, e.g. ``percentile-99.99`` (part of the calibration cache key)."""
        return f"percentile-{self.percentile:g}" if self.method == "percentile" else self.method

    def describe(self) -> str:
        """One line for the artifact's metadata and the logs."""
        ranges = f"{self.percentile:g}th percentile" if self.method == "percentile" else self.method
        weights = "per-channel" if self.per_channel else "per-tensor"
        bias = "on" if self.bias_correction else "off"
        bits = {None: "int8", 8: "int8", 7: "7-bit"}[self.weight_bits]
        return (f"activation ranges {ranges}, {weights} {bits} weights, {self.conv_outputs} conv outputs, "
                f"bias correction {bias}")  # fmt: skip


@dataclass(frozen=True)
class Int8Options:
    """How INT8 variants are calibrated and which convolutions stay float."""

    calib: Path | None = None  # image folder (str accepted); None: the recorded test split, else bundled images
    calib_images: int = DEFAULT_CALIB_IMAGES
    keep_fp: KeepFp = field(default_factory=KeepFp)
    recipe: QuantRecipe = field(default_factory=QuantRecipe)

    def __post_init__(self) -> None:
        if self.calib is not None and not isinstance(self.calib, Path):
            object.__setattr__(self, "calib", Path(self.calib))
        if self.calib_images < 1:
            raise ExportError(f"--calib-images must be >= 1, got {self.calib_images}")

    @classmethod
    def parse(cls, calib: str | os.PathLike[str] | None = None, calib_images: int = DEFAULT_CALIB_IMAGES,
              keep_fp: str | int | Iterable[str] | KeepFp | None = None,
              recipe: QuantRecipe | None = None) -> Int8Options:  # fmt: skip
        return cls(Path(calib) if calib is not None else None, int(calib_images), KeepFp.parse(keep_fp),
                   recipe or QuantRecipe())  # fmt: skip
