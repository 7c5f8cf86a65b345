"""Options several commands share, defined once: the checkpoint and direction, INT8 calibration, --keep-fp,
--gate."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

from ..assets import default_model_path
from ..core.errors import UgatitDeployError
from ..core.gates import Gate, GateError
from ..core.limits import LimitError, apply_limits, limit_specs, parse_limit
from ..forms import default_gates_help, parse_gates
from ..forms.transforms.int8_options import (
    CALIB_METHODS,
    CONV_OUTPUTS,
    DEFAULT_BIAS_CORRECTION,
    DEFAULT_CALIB_IMAGES,
    DEFAULT_CONV_OUTPUTS,
    DEFAULT_METHOD,
    DEFAULT_PERCENTILE,
    Int8Options,
    KeepFp,
    QuantRecipe,
)

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


class RegistryChoice(click.Choice):
    """A choice among a registry's names as they are when the command runs (``formats.FORMATS``): an entry
    added after import (a new format) is offered and accepted like the others."""

    def __init__(self, registry: Mapping[str, Any]) -> None:
        super().__init__(())
        self._registry = registry

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        return tuple(self._registry)

    @choices.setter
    def choices(self, _value: object) -> None:  # click.Choice.__init__ assigns it; the registry is the source
        pass


def checkpoint_options(help_text: str, direction_help: str | None = None) -> Decorator:
    """``--ckpt FILE`` (default: the built-in photo -> cartoon model) and ``--direction a2b|b2a``."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        command = click.option("--direction", default="a2b", show_default=True, metavar="a2b|b2a",
                               help=direction_help)(command)  # fmt: skip
        return click.option("--ckpt", type=click.Path(path_type=Path), default=None,
                            help=f"{help_text} An official TensorFlow checkpoint folder works too. "
                            "Default: the built-in photo -> cartoon model.")(command)  # fmt: skip

    return decorate


def resolve_checkpoint(ckpt: Path | None) -> Path:
    """``--ckpt``, or the built-in photo -> cartoon model; a usage error (exit 2) when the file does not exist."""
    checkpoint = ckpt or default_model_path()
    if not checkpoint.exists():
        raise click.BadParameter(f"{checkpoint}: no such file", param_hint="--ckpt")
    return checkpoint


def calibration_options(what: str, images: int = DEFAULT_CALIB_IMAGES, why: str = "") -> Decorator:
    """``--calib DIR`` and ``--calib-images N`` (default ``images``, ``why`` says why), as the INT8 export takes
    them."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        command = click.option("--calib-images", default=images, show_default=True,
                               help=f"Use at most N calibration images.{why}")(command)  # fmt: skip
        return click.option("--calib", type=click.Path(path_type=Path), default=None,
                            help=f"Image folder for {what}. Default: the training test split if the file "
                            "records it; for a model trained on photos (the built-in one), crops of the bundled "
                            "photos; else synthetic circle images.")(command)  # fmt: skip

    return decorate


def _parse_keep_fp(_ctx: click.Context, _param: click.Parameter, value: str | None) -> KeepFp:
    try:
        return KeepFp.parse(value)
    except UgatitDeployError as exc:
        raise click.BadParameter(str(exc).removeprefix("--keep-fp: ")) from None


def keep_fp_option(help_text: str) -> Decorator:
    """``--keep-fp auto|N|LAYERS``, parsed into a ``KeepFp`` (see ``Int8Options``)."""
    return click.option("--keep-fp", default=None, callback=_parse_keep_fp, metavar="auto|N|LAYERS", help=help_text)


def recipe_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--calib-method``, ``--calib-percentile``, ``--per-channel/--per-tensor``, ``--bias-correction``,
    ``--conv-outputs`` and ``--weight-bits``, handed to the command as one ``recipe: QuantRecipe`` (a usage
    error, exit 2, when they conflict)."""
    bias = "on" if DEFAULT_BIAS_CORRECTION else "off"
    flags = [
        click.option("--calib-method", type=click.Choice(CALIB_METHODS), default=None,
                     help=f"INT8 only: how each activation's range is chosen from the calibration images. minmax: "
                     "the whole range seen; percentile: clip the rarest values (see --calib-percentile); entropy: "
                     "the clipping that keeps the most information (KL divergence, TensorRT's way; minutes to "
                     f"compute). Default: {DEFAULT_METHOD}, the best measured on the trained model and the official "
                     "light generator (benchmarks/results/int8_calibration_*.md)."),
        click.option("--calib-percentile", type=float, default=None, metavar="P",
                     help=f"With --calib-method percentile: keep P % of the values in range (default "
                     f"{DEFAULT_PERCENTILE:g}; 100 is minmax)."),
        click.option("--per-channel/--per-tensor", default=True, show_default=True,
                     help="INT8 weights: one scale per output channel, or one per convolution."),
        click.option("--bias-correction/--no-bias-correction", default=None,
                     help="INT8 only: add to each quantized convolution's bias the mean error quantizing left in "
                     f"each output channel on the calibration images, layer by layer. Default: {bias}."),
        click.option("--conv-outputs", type=click.Choice(CONV_OUTPUTS), default=None,
                     help="INT8 only: float quantizes what enters each convolution and leaves its output float "
                     "(OpenVINO runs it as fast as int8); int8 also quantizes the output, one scale for all "
                     "channels right before the instance norm, which costs trained weights most of their quality "
                     "but is the form ONNX Runtime needs to fuse its int8 kernel (else it runs at FP32 speed). "
                     f"Default: {DEFAULT_CONV_OUTPUTS}."),
        click.option("--weight-bits", type=click.Choice(["8", "7"]), default=None,
                     help="INT8 only: 7 keeps the weights in [-64, 64], so that CPUs without VNNI (AVX2; oneDNN's "
                     "16-bit sums) cannot saturate; 8 uses the whole int8 range. Default: 7 for int8-cpu (it runs "
                     "right on every x86 CPU; measured 36.1 -> 41.5 dB under AVX2 on the official light "
                     "generator), 8 for TensorRT's int8."),
    ]  # fmt: skip

    @functools.wraps(command)
    def with_recipe(*args: Any, calib_method: str | None, calib_percentile: float | None, per_channel: bool,
                    bias_correction: bool | None, conv_outputs: str | None, weight_bits: str | None,
                    **kwargs: Any) -> Any:  # fmt: skip
        try:
            bits = None if weight_bits is None else int(weight_bits)
            recipe = QuantRecipe.parse(calib_method, calib_percentile, per_channel, bias_correction, conv_outputs, bits)
        except UgatitDeployError as exc:
            raise click.UsageError(str(exc)) from None
        return command(*args, recipe=recipe, **kwargs)

    for flag in reversed(flags):
        with_recipe = flag(with_recipe)
    return with_recipe


def int8_options(calib: Path | None, calib_images: int, keep_fp: KeepFp,
                 recipe: QuantRecipe | None = None) -> Int8Options:  # fmt: skip
    """The INT8 flags as one value (a usage error, exit 2, when they do not make sense)."""
    try:
        return Int8Options(calib, calib_images, keep_fp, recipe or QuantRecipe())
    except UgatitDeployError as exc:
        raise click.UsageError(str(exc)) from None


def gate_option(what: str) -> Decorator:
    """``--gate SPEC``: move parity thresholds per precision (the same syntax for export and bench)."""
    defaults = default_gates_help()
    return click.option(
        "--gate", "gates", default=None, callback=_parse_gates, metavar="SPEC",
        help=f"{what} PREC:METRIC=VALUE[+METRIC=VALUE], comma-separated; metrics maxabs, psnr, ssim, aux. "
        f"Moves only the metrics named; the others keep their defaults: {defaults}.",
    )  # fmt: skip


def _parse_gates(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dict[str, Gate]:
    if value is None:
        return {}
    try:
        return parse_gates(value)
    except GateError as exc:
        raise click.BadParameter(str(exc)) from None


def limit_options(*names: str) -> Decorator:
    """``--max-image-pixels`` etc. (``core.limits``; all four when no names are given): each sets its limit
    for this process and the processes it starts (serve's model instances), as its environment variable
    would."""
    specs = limit_specs()
    chosen = names or tuple(specs)

    def apply(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        if value is None:
            return
        spec = specs[param.name or ""]
        try:
            apply_limits(**{spec.name: parse_limit(spec, value)})
        except LimitError:
            raise click.BadParameter(f"must be a positive integer, got {value!r}", ctx, param) from None

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for name in reversed(chosen):
            spec = specs[name]
            command = click.option(spec.option, name, default=None, metavar="N", expose_value=False,
                                   callback=apply, help=f"Limit: {spec.what} (default {spec.default:,}; also "
                                   f"{spec.env}).")(command)  # fmt: skip
        return command

    return decorate
