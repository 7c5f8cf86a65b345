"""``ugatit-deploy bench``: parity against PyTorch FP32 and latency, for every backend x precision x batch."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from .options import checkpoint_options, keep_fp_option, resolve_checkpoint

BACKEND_CHOICES = ("torch-cpu", "torch-cuda", "onnxruntime-cpu", "onnxruntime-cuda", "onnxruntime-tensorrt",
                   "openvino-cpu", "tensorrt")  # fmt: skip
EXIT_GATE_FAILED = 3


def _backends(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[str, ...]:
    aliases = {"torch": ("torch-cpu", "torch-cuda"), "ort": BACKEND_CHOICES[2:5], "onnxruntime": BACKEND_CHOICES[2:5],
               "openvino": ("openvino-cpu",), "cpu": ("torch-cpu", "onnxruntime-cpu", "openvino-cpu"),
               "all": BACKEND_CHOICES}  # fmt: skip
    chosen: list[str] = []
    for item in (v.strip().lower() for v in value.split(",") if v.strip()):
        names = aliases.get(item, (item,))
        for name in names:
            if name not in BACKEND_CHOICES:
                choices = ", ".join(BACKEND_CHOICES)
                raise click.BadParameter(f"{name!r}: use {choices}, or torch, ort, openvino, cpu, all")
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


def command_line(ctx: click.Context) -> str:
    """The options given (those that differ from their defaults), as a shell line that reproduces the run."""
    parts = ["ugatit-deploy", ctx.info_name or "bench"]
    for param in ctx.command.params:
        source = ctx.get_parameter_source(param.name)
        if not isinstance(param, click.Option) or source is not click.core.ParameterSource.COMMANDLINE:
            continue
        raw = ctx.params[param.name]
        values = raw if isinstance(raw, tuple) and param.multiple else (raw,)
        for value in values:
            if param.is_flag:
                parts.append(param.opts[0])
            elif isinstance(value, dict):  # --gate, parsed into Gates
                spec = (f"{p}:" + "+".join(f"{k}={v:g}" for k, v in g.describe().items()) for p, g in value.items())
                parts += [param.opts[0], ",".join(spec)]
            else:
                parts += [param.opts[0], ",".join(map(str, value)) if isinstance(value, tuple) else str(value)]
    return shlex.join(parts)


def _gates(_ctx: click.Context, _param: click.Parameter, value: str | None):
    if value is None:
        return {}
    from ..parity import GateError, parse_gates

    try:
        return parse_gates(value)
    except GateError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("bench")
@checkpoint_options("The reference checkpoint (official or ugatit-deploy).")
@click.option(
    "--onnx",
    "onnx_files",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="ONNX file(s) from `ugatit-deploy export` (repeat). Default: export fp32, fp16, int8 and "
    "int8-cpu into OUT/onnx first.",
)
@click.option(
    "--engine",
    "engines",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="TensorRT plan(s) from `ugatit-deploy build` (repeat). Default: build them when TensorRT "
    "and a GPU are present.",
)
@click.option(
    "--backends",
    default="all",
    show_default=True,
    callback=_backends,
    metavar="LIST",
    help=f"Comma-separated: {', '.join(BACKEND_CHOICES)}; or torch, ort, openvino, cpu (every CPU mode: "
    "torch FP32, ONNX Runtime and OpenVINO on each ONNX file, OpenVINO BF16), all.",
)
@click.option(
    "--images",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder of input images (at most 16 used). Default: 4 bundled photos + 4 demo images.",
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
@click.option("--warmup", default=3, show_default=True, help="Untimed runs before timing.")
@click.option("--iters", default=20, show_default=True, help="Timed runs per backend and batch (per round).")
@click.option(
    "--rounds",
    default=1,
    show_default=True,
    help="Time every backend this many times in turn (round-robin) and pool the samples: on a machine "
    "whose speed drifts, side-by-side ratios then compare like with like.",
)
@click.option("--threads", type=int, default=None, help="CPU threads for torch and ONNX Runtime. Default: all.")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("bench"),
    show_default=True,
    help="Folder for results.json, results.csv, report.md, latency.png, grid.png.",
)
@click.option(
    "--gate",
    "gates",
    default=None,
    callback=_gates,
    metavar="SPEC",
    help="Fail (exit 3) when a listed precision misses its threshold, e.g. "
    "fp32:maxabs=1e-4,fp16:psnr=50,int8:psnr=30 (metrics: maxabs, psnr, ssim; join with +).",
)
def bench_command(ckpt: Path | None, direction: str, onnx_files: tuple[Path, ...], engines: tuple[Path, ...],
                  backends: tuple[str, ...], images: Path | None, batches: tuple[int, ...], size: int | None,
                  keep_fp: int | str | tuple[str, ...], warmup: int, iters: int, rounds: int, threads: int | None,
                  out: Path, gates: dict) -> None:  # fmt: skip
    """Benchmark every backend against the PyTorch FP32 reference: parity and latency.

    For each backend x precision x batch: parity on real images (max / mean / p99 abs error, PSNR and
    SSIM with data_range 2, % of uint8 pixels that change, NaN/Inf), then latency after warm-up (p50,
    p90, p99, mean, std per batch and per image, images/s, peak RSS and GPU memory), and the share of
    the machine's measured matmul peak. Backends missing here (no GPU, no TensorRT) are listed with
    the reason. Without --gate the exit code is 0 whatever the parity; the table still marks
    failed-parity against the default thresholds (fp32 max abs 1e-3; fp16 PSNR 50 dB; int8 30 dB).

    \b
    Examples:
      ugatit-deploy bench                                   # the demo model, every backend
      ugatit-deploy bench --ckpt run.pt --size 256 --batch 1,8 --threads 2 --out bench/
      ugatit-deploy bench --onnx m_fp32.onnx --onnx m_int8.onnx --backends cpu --gate fp32:maxabs=1e-4,int8:psnr=30
    """
    from ..benchmarks.report import format_table
    from ..benchmarks.suite import BenchSettings, run_bench, write_outputs

    checkpoint = resolve_checkpoint(ckpt)
    settings = BenchSettings(checkpoint=checkpoint, direction=direction, onnx=onnx_files, engines=engines,
                             backends=backends, images=images, batches=batches, size=size, warmup=warmup,
                             iters=iters, rounds=rounds, threads=threads, out=out, gates=gates, keep_fp=keep_fp,
                             command=command_line(click.get_current_context()))  # fmt: skip
    run = run_bench(settings, log=click.echo)
    files = write_outputs(run, out)
    click.echo("")
    click.echo(format_table(run.results))
    click.echo(f"\nwrote {', '.join(str(p) for p in files.values())}")
    failed = run.gate_failures()
    if gates and failed:
        click.echo(f"Error: gate failed: {', '.join(failed)}", err=True)
        raise SystemExit(EXIT_GATE_FAILED)
