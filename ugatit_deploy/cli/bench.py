"""``ugatit-deploy bench``: parity against PyTorch FP32 and latency, for every backend x precision x batch."""

from __future__ import annotations

import shlex
from collections.abc import Collection, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..backends import BACKENDS, backend_groups
from ..benchmarks.settings import DEFAULT_MAX_TIME
from ..core.gates import Gate
from ..forms import FORMS, default_gates_help
from ..forms.transforms.int8_options import QUICK_CALIB_IMAGES
from .options import (
    calibration_options,
    checkpoint_options,
    gate_option,
    int8_options,
    keep_fp_option,
    limit_options,
    resolve_checkpoint,
)

if TYPE_CHECKING:
    from ..benchmarks.isa_classes import IsaClass
    from ..benchmarks.settings import BenchSettings
    from ..forms.transforms.int8_options import KeepFp

EXIT_GATE_FAILED = 3


def _group_names() -> tuple[str, ...]:
    """The names that stand for several backends (a group named like a backend is that backend)."""
    return tuple(group for group in backend_groups() if group not in BACKENDS)


def _backends(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[str, ...]:
    groups = backend_groups()
    chosen: list[str] = []
    for item in (v.strip().lower() for v in value.split(",") if v.strip()):
        for name in (item,) if item in BACKENDS else groups.get(item, (item,)):
            if name not in BACKENDS:
                raise click.BadParameter(f"{name!r}: use {', '.join(BACKENDS)}, or {', '.join(_group_names())}")
            if name not in chosen:
                chosen.append(name)
    if not chosen:
        raise click.BadParameter("no backend given")
    return tuple(chosen)


def _batches(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in value.split(","))
    except ValueError:
        raise click.BadParameter(f"expected comma-separated integers, got {value!r}") from None
    if not values or min(values) < 1:
        raise click.BadParameter(f"batch sizes must be >= 1, got {value!r}")
    return tuple(dict.fromkeys(values))


def _isa_classes(_ctx: click.Context, _param: click.Parameter, value: str | None) -> tuple[IsaClass, ...]:
    from ..benchmarks.isa_classes import IsaClassError, parse_isa_classes

    if value is None:
        return ()
    try:
        return parse_isa_classes(value)
    except IsaClassError as exc:
        raise click.BadParameter(str(exc)) from None


def command_line(ctx: click.Context, leave_out: Collection[str] = ()) -> str:
    """The options given (those that differ from their defaults), as a shell line that reproduces the run;
    without the parameters named in ``leave_out``."""
    parts = ["ugatit-deploy", ctx.info_name or "bench"]
    for param in ctx.command.params:
        source = ctx.get_parameter_source(param.name)
        if not isinstance(param, click.Option) or source is not click.core.ParameterSource.COMMANDLINE:
            continue
        if param.name in leave_out:
            continue
        if param.name not in ctx.params:  # a limit (expose_value=False): it guards inputs, it does not change runs
            continue
        raw = ctx.params[param.name]
        values = raw if isinstance(raw, tuple) and param.multiple else (raw,)
        for value in values:
            if param.is_flag:
                parts.append(param.opts[0])
            elif isinstance(value, dict):  # --gate, parsed into Gates
                parts += [param.opts[0], ",".join(gate.spec(precision) for precision, gate in value.items())]
            else:
                parts += [param.opts[0], ",".join(map(str, value)) if isinstance(value, tuple) else str(value)]
    return shlex.join(parts)


def _backends_help() -> str:
    groups = backend_groups()
    cpu = ", ".join(groups.get("cpu", ()))
    return (f"Comma-separated: {', '.join(BACKENDS)}; or a group: {', '.join(_group_names())} (cpu: {cpu}, each "
            "with its modes on each ONNX file).")  # fmt: skip


_DEFAULT_GATES = default_gates_help()
_HELP = f"""Benchmark every backend against the PyTorch FP32 reference: parity and latency.

    For each backend x precision x batch: parity on real images (max / mean / p99 abs error, PSNR and
    SSIM with data_range 2, % of uint8 pixels that change, NaN/Inf), then latency after warm-up (p50,
    p90, p99, mean, std per batch and per image, images/s, peak RSS and GPU memory), and the share of
    the machine's measured matmul peak. Backends missing here (no GPU, no TensorRT) are listed with
    the reason. Without --gate the exit code is 0 whatever the parity; the table still marks
    failed-parity against each precision's default gate ({_DEFAULT_GATES}).

    \b
    Examples:
      ugatit-deploy bench                                   # the built-in model, every backend
      ugatit-deploy bench --ckpt run.pt --size 256 --batch 1,8 --threads 2 --out bench/
      ugatit-deploy bench --onnx m_fp32.onnx --onnx m_int8.onnx --backends cpu --gate fp32:maxabs=1e-4,int8:psnr=30
      ugatit-deploy bench --backends torch-cpu,openvino-cpu --isa native,avx2   # as on an AVX2-only CPU too
    """

_ALL_HELP = (
    "Measure the whole matrix: also backends this machine cannot run (listed as unavailable), backends never "
    "chosen (MNN) and graph forms that cannot be the fastest passing mode here (on a CPU: fp16 and TensorRT's "
    "int8). Default: what can win here, the rest listed under 'not run here'."
)
_ISA_HELP = (
    "Run the whole bench once per CPU class, each in its own process, and compare: e.g. native,avx2 measures "
    "this CPU as it is and as an AVX2-only CPU would run. A class is native (no cap) or a oneDNN ISA level (sse41, "
    "avx, avx2, avx2_vnni, avx512_core, avx512_core_vnni, avx512_core_bf16, ... up to what this CPU has); the "
    "child gets ONEDNN_MAX_CPU_ISA (read once at start, hence one process per class), which caps oneDNN inside "
    "PyTorch and OpenVINO, and below AVX-512 also ATEN_CPU_CAPABILITY and MKL_ENABLE_INSTRUCTIONS, so torch eager "
    'is each class\'s baseline. ONNX Runtime, MNN and ncnn ignore the caps (marked "not capped"). Writes '
    "OUT/isa-<class>/ (each a complete bench, with the settings.json its child ran) and OUT/classes.md / "
    "classes.json: per mode and class, ms/img and "
    "the speed-up over that class's torch eager; a mode a class cannot run (BF16 under avx2) says why. Exit 1 when "
    "a class failed (the others still run)."
)


@click.command("bench", help=_HELP)
@checkpoint_options("The reference checkpoint (official or ugatit-deploy).")
@click.option(
    "--onnx",
    "onnx_files",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="ONNX file(s) from `ugatit-deploy export` (repeat). Default: export "
    f"{', '.join(FORMS)} into OUT/onnx first.",
)
@click.option(
    "--engine",
    "engines",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="TensorRT plan(s) from `ugatit-deploy build` (repeat). Default: build them when TensorRT "
    "and a GPU are present.",
)
@click.option("--backends", default="all", show_default=True, callback=_backends, metavar="LIST",
              help=_backends_help())  # fmt: skip
@click.option(
    "--images",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder of input images (at most 16 used). Default: the 4 bundled photos (+ 4 circle images for a "
    "model not trained on photos).",
)
@click.option(
    "--batch",
    "batches",
    default="1",
    show_default=True,
    callback=_batches,
    metavar="LIST",
    help="Batch sizes, e.g. 1,8.",
)
@click.option("--size", type=int, default=None, help="Input size in px (light models: any multiple of 4). "
              "Default: the model's img_size.")  # fmt: skip
@keep_fp_option("When bench exports INT8 itself: convolutions to leave in float (as `export --keep-fp`).")
@calibration_options("INT8 calibration when bench exports INT8 itself (as `export --calib`)", QUICK_CALIB_IMAGES,
                     " Fewer than export's 64: the same INT8 quality measured on the built-in and the official "
                     "light generator, in a quarter of the time.")  # fmt: skip
@click.option("--warmup", default=3, show_default=True, help="Untimed runs before timing.")
@click.option("--iters", default=20, show_default=True, help="Timed runs per backend and batch (per round).")
@click.option("--max-time", type=click.FloatRange(min=0), default=DEFAULT_MAX_TIME, show_default=True,
              metavar="SECONDS", help="Stop a backend and batch's timed runs after this many seconds per round, "
              "before --iters (never before 5 runs), and the warm-up after a third of it: a 256 px model answers "
              "in minutes. 0: always --warmup and --iters.")  # fmt: skip
@click.option(
    "--rounds",
    default=1,
    show_default=True,
    help="Time every backend this many times in turn (round-robin) and pool the samples: on a machine "
    "whose speed drifts, side-by-side ratios then compare like with like.",
)
@click.option("--threads", type=int, default=None, help="CPU threads of each CPU runner and of the matmul peak. "
              "Default: all.")  # fmt: skip
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("bench"),
    show_default=True,
    help="Folder for results.json, results.csv, report.md, latency.png, grid.png (the fastest passing mode), "
    "grid_all_modes.png.",
)
@gate_option("Fail (exit 3) when a listed precision misses its gate:")
@click.option("--all", "everything", is_flag=True, help=_ALL_HELP)
@click.option("--isa", "isa_classes", default=None, callback=_isa_classes, metavar="CLASSES", help=_ISA_HELP)
@limit_options()
def bench_command(ckpt: Path | None, direction: str, onnx_files: tuple[Path, ...], engines: tuple[Path, ...],
                  backends: tuple[str, ...], images: Path | None, batches: tuple[int, ...], size: int | None,
                  keep_fp: KeepFp, calib: Path | None, calib_images: int, warmup: int, iters: int, max_time: float,
                  rounds: int, threads: int | None, out: Path, gates: dict[str, Gate], everything: bool,
                  isa_classes: tuple[IsaClass, ...]) -> None:  # fmt: skip
    """The bench command (its help is ``_HELP``)."""
    from ..benchmarks.settings import BenchSettings

    context = click.get_current_context()
    settings = BenchSettings(checkpoint=resolve_checkpoint(ckpt), direction=direction, onnx=onnx_files,
                             engines=engines, backends=backends, images=images, batches=batches, size=size,
                             warmup=warmup, iters=iters, max_time=max_time, rounds=rounds, threads=threads, out=out,
                             gates=gates,
                             int8=int8_options(calib, calib_images, keep_fp), everything=everything,
                             command=command_line(context))  # fmt: skip
    if isa_classes:  # each class's bench records its own command line: without --isa, with its own --out
        each = replace(settings, command=command_line(context, leave_out=("isa_classes", "out")))
        _bench_classes(isa_classes, each, settings.command)
    else:
        _bench(settings)


@click.command("bench-child", hidden=True)
@click.argument("settings_file", type=click.Path(path_type=Path, dir_okay=False))
def bench_child_command(settings_file: Path) -> None:
    """One bench from a settings file (what ``bench --isa`` starts per CPU class, under its caps)."""
    from ..benchmarks.settings import read_settings

    _bench(read_settings(settings_file))


def _bench(settings: BenchSettings) -> None:
    """Run one bench, write its outputs and print its table; exit 3 when a --gate failed."""
    from ..benchmarks.report import format_table
    from ..benchmarks.report.markdown import fastest_line
    from ..benchmarks.suite import run_bench, write_outputs

    run = run_bench(settings, log=click.echo)
    files = write_outputs(run, settings.out)
    click.echo("")
    click.echo(format_table(run.results))
    for line in run.results.not_run:
        click.echo(f"not run here: {line}")
    click.echo("\n" + fastest_line(run.results.records).replace("**", ""))
    click.echo(f"wrote {', '.join(str(p) for p in files.values())}")
    failed = run.gate_failures()
    if settings.gates and failed:
        click.echo(f"Error: gate failed: {', '.join(failed)}", err=True)
        raise SystemExit(EXIT_GATE_FAILED)


def _bench_classes(classes: Sequence[IsaClass], settings: BenchSettings, command: str) -> None:
    """--isa: the bench once per CPU class (child processes), then classes.md / classes.json."""
    from ..benchmarks.isa_classes import run_classes, write_classes
    from ..benchmarks.report.classes import format_classes

    out = settings.out
    record = run_classes(classes, settings, command, log=click.echo)
    files = write_classes(record, out)
    click.echo("")
    click.echo(format_classes(record))
    click.echo(f"wrote {', '.join(str(p) for p in files)} (each class's own results in {out}/isa-<class>/)")
    if failed := [result.name for result in record.classes if result.failed]:
        click.echo(f"Error: no results for class {', '.join(failed)}", err=True)
    if code := record.exit_code():
        raise SystemExit(code)
