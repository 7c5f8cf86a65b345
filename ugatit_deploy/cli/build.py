"""``ugatit-deploy build``: one of our ONNX files -> TensorRT engine (raw plan + sidecar)."""

from __future__ import annotations

from pathlib import Path

import click


def _triple(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[int, int, int]:
    try:
        parts = [int(v) for v in value.split(",")]
    except ValueError:
        raise click.BadParameter(f"expected MIN,OPT,MAX integers, got {value!r}") from None
    if len(parts) == 1:
        parts *= 3
    if len(parts) != 3:
        raise click.BadParameter(f"expected one value or MIN,OPT,MAX, got {value!r}")
    return tuple(parts)  # type: ignore[return-value]


@click.command("build")
@click.option(
    "--onnx",
    "onnx_path",
    type=click.Path(path_type=Path),
    required=True,
    help="An ONNX file written by `ugatit-deploy export` (its sidecar or metadata says what it is).",
)
@click.option(
    "--engine",
    type=click.Path(path_type=Path),
    default=None,
    help="Plan file. Default: ONNX name with .plan.",
)
@click.option("--batch", default="1,1,8", show_default=True, callback=_triple, help="Batch profile MIN,OPT,MAX.")
@click.option(
    "--shape",
    default=None,
    metavar="HxW[,HxW,HxW]",
    help="Spatial profile (light models only; MIN,OPT,MAX). Default: the model's img_size.",
)
@click.option("--workspace", default=4.0, show_default=True, help="Builder workspace in GiB.")
@click.option(
    "--timing-cache",
    type=click.Path(path_type=Path),
    default=None,
    help="Read and update this timing cache: rebuilds take seconds instead of minutes.",
)
@click.option("--opt-level", default=3, show_default=True, help="builder_optimization_level 0-5.")
@click.option("--version-compatible", is_flag=True, help="Engine that later TensorRT versions can run.")
@click.option(
    "--hardware-compat",
    type=click.Choice(["none", "ampere+"]),
    default="none",
    show_default=True,
    help="ampere+: one engine for every GPU from Ampere on.",
)
@click.option("--dry-run", is_flag=True, help="Only print the equivalent trtexec command (no TensorRT needed).")
@click.option(
    "--triton-repo",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Also add the plan to this Triton model repository (<name>/config.pbtxt, <name>/1/model.plan).",
)
def build_command(onnx_path: Path, engine: Path | None, batch: tuple[int, int, int], shape: str | None,
                  workspace: float, timing_cache: Path | None, opt_level: int, version_compatible: bool,
                  hardware_compat: str, dry_run: bool, triton_repo: Path | None) -> None:  # fmt: skip
    """Build a TensorRT engine from an exported ONNX file, on the GPU that will run it.

    One code path for TensorRT 11 (strongly typed: the ONNX's FP16 tensors and INT8 Q/DQ decide the
    precision) and 10.x (strongly typed from 10.12; older versions get FP16/INT8 builder flags from the
    ONNX's precision). FP32 engines are built without TF32. The plan file is the raw engine; a JSON
    sidecar beside it records TensorRT version, GPU, compute capability, precision, profile, the ONNX's
    sha256 and the equivalent trtexec command. Without TensorRT or a GPU: one line and exit code 2.

    \b
    Examples:
      ugatit-deploy build --onnx exports/model_a2b_fp16.onnx --batch 1,4,16 --timing-cache trt.cache
      ugatit-deploy build --onnx exports/model_a2b_int8.onnx --shape 256x256,512x512,1024x1024
      ugatit-deploy build --onnx exports/model_a2b_fp16.onnx --dry-run     # the trtexec line for a Jetson
      ugatit-deploy build --onnx exports/model_a2b_fp16.onnx --triton-repo model_repository/

    `ugatit-deploy export --format tensorrt` does the same in one step, from the checkpoint, with a
    profile around the model's size, and validates the plan against PyTorch.
    """
    from ..core.metadata import read_onnx_record
    from ..formats.tensorrt_build import (
        BuildOptions,
        assumed_version,
        build_engine,
        engine_path,
        make_profile,
        parse_sizes,
        trtexec_command,
    )

    options = BuildOptions(
        batch=batch, sizes=parse_sizes(shape) if shape else None, workspace_gib=workspace, timing_cache=timing_cache,
        opt_level=opt_level, version_compatible=version_compatible, hardware_compat=hardware_compat,
    )  # fmt: skip
    if dry_run:
        if not onnx_path.is_file():
            raise click.ClickException(f"ONNX file not found: {onnx_path}")
        record = read_onnx_record(onnx_path)
        profile = make_profile(record, options)
        target = engine_path(onnx_path, engine)
        click.echo(trtexec_command(onnx_path, target, profile, options, record.precision, assumed_version()))
        return
    result = build_engine(onnx_path, engine, options, log=click.echo)
    click.echo(f"wrote {result.engine} and {result.sidecar}\nequivalent: {result.trtexec}")
    if triton_repo is not None:
        from ..export.triton import write_triton_repo

        click.echo(f"  triton   {write_triton_repo(result.engine, triton_repo)}")
