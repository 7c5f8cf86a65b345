"""``ugatit-deploy export``: checkpoint -> validated ONNX (FP32 / FP16 / INT8) with metadata sidecars."""

from __future__ import annotations

from pathlib import Path

import click

from ..assets import default_model_path
from ..core.gates import Gate
from ..formats import FORMATS
from ..forms import REFERENCE_FORM, PrecisionError, forms_help, forms_where, parse_forms
from ..forms.transforms.int8_options import KeepFp, QuantRecipe
from .options import (
    RegistryChoice,
    calibration_options,
    checkpoint_options,
    gate_option,
    int8_options,
    keep_fp_option,
    recipe_options,
)


def _precisions(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    try:
        return parse_forms(values or (REFERENCE_FORM,))
    except PrecisionError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("export")
@checkpoint_options("Official training checkpoint or ugatit-deploy generator file.", "Which generator to export.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("exports"),
    show_default=True,
    help="Folder for <ckpt>_<direction>_<precision>.onnx files, or one .onnx file name.",
)
@click.option(
    "--precision",
    "precisions",
    multiple=True,
    callback=_precisions,
    metavar="LIST",
    help=f"Comma-separated or repeated, or all. Default: fp32. {forms_help()}.",
)
@calibration_options("INT8 calibration")
@recipe_options
@keep_fp_option(
    "INT8 only: leave more convolutions in float. N: the N layers that add the most error when every "
    "layer is quantized (one quantized graph ranks them); auto: the fewest of them, found by bisection, "
    "with which the images reach PSNR >= 36 dB and SSIM >= 0.985 against FP32 on held-out images and "
    "photos (the fast path's bar plus a margin); or layer names, comma-separated (module paths, e.g. "
    "UpBlock2.2,DownBlock.9)."
)
@click.option(
    "--outputs",
    type=click.Choice(["image", "all"]),
    default="image",
    show_default=True,
    help="image: `output` only; all: also `cam_logit` (B x 2) and `heatmap` (B x 1 x H/4 x W/4).",
)
@click.option("--dynamic-batch/--static", default=True, show_default=True, help="Dynamic batch axis, or batch 1.")
@click.option("--opset", default=18, show_default=True, help="ONNX opset (>= 17 for LayerNormalization).")
@click.option(
    "--adailn",
    type=click.Choice(["function", "inline"]),
    default="function",
    show_default=True,
    help="function: each AdaILN/ILN is one ugatit.AdaILN / ugatit.ILN node with a local-function "
    "body; inline: the bodies spliced in place.",
)
@click.option(
    "--triton-repo",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Also add each exported file (ONNX, or TensorRT plans with --format tensorrt) to this Triton model "
    "repository (<name>/config.pbtxt, <name>/1/model.onnx|plan) with dynamic batching.",
)
@click.option("--triton-max-batch", default=8, show_default=True, help="max_batch_size of the Triton models.")
@click.option(
    "--format",
    "fmt",
    type=RegistryChoice(FORMATS),
    default="onnx",
    show_default=True,
    help="What to write. "
    + "; ".join(f"{f.name}: {f.summary}" for f in FORMATS.values())
    + ". Every format but onnx is converted from the validated ONNX graph with the runtime's own converter "
    "and validated again on that runtime before it is written (MNN judged FP32-grade: PSNR >= 60 dB, SSIM "
    ">= 0.999); tensorrt also writes the ONNX it builds from.",
)
@click.option("--with-faces", is_flag=True,
              help="Also write the face detector (MTCNN's three ONNX files, with sidecars and SHA-256) to "
              "face_detector/ beside the model, where `ugatit-infer --faces` and `infer --faces` find it.")  # fmt: skip
@gate_option("Validation gates:")
def export_command(ckpt: Path | None, direction: str, out: Path, precisions: tuple[str, ...], calib: Path | None,
                   calib_images: int, recipe: QuantRecipe, keep_fp: KeepFp, outputs: str, dynamic_batch: bool,
                   opset: int, adailn: str, triton_repo: Path | None, triton_max_batch: int, fmt: str,
                   with_faces: bool, gates: dict[str, Gate]) -> None:  # fmt: skip
    """Export a checkpoint's generator to ONNX and validate every file.

    Graph I/O: `input` B x 3 x H x W float32 in [-1, 1] (RGB, NCHW); `output` the same shape (tanh).
    Batch is dynamic (unless --static); H and W are dynamic for light models (multiples of 4) and
    fixed at img_size for full models. AdaILN/ILN are exported with native InstanceNormalization and
    LayerNormalization and the exact unbiased-variance correction.

    Each file is checked with onnx.checker, against TensorRT's operator list, and on ONNX Runtime CPU
    against the PyTorch model on real images at several batch sizes. Gates: fp32 max abs <= 1e-3;
    lossy precisions in image terms (fp16 PSNR >= 50 dB and SSIM >= 0.999, no NaN/Inf on extreme
    inputs; int8 PSNR >= 30 dB on held-out images of the calibration domain). A file that misses its
    gate is not written: the error gives the figures and the --gate value that would accept them.
    Metadata goes into the ONNX and a JSON sidecar beside it.

    INT8 quantizes the convolutions except RGB in, the first down-sampling conv, the CAM 1x1 conv and
    RGB out; int8-cpu (uint8 activations) is the fast x86 graph for OpenVINO, int8 (symmetric) the one
    TensorRT takes. By default what enters each convolution is quantized (99.999th-percentile activation
    ranges, per-channel weights), its output stays float, and each bias is corrected for the mean error
    quantizing leaves: the choice that kept the trained model and the official light generator above
    PSNR 35 dB / SSIM 0.98 on held-out photos (benchmarks/results/int8_calibration_*.md). ONNX Runtime
    runs such a graph at FP32 speed; --conv-outputs int8 gives the form its int8 kernels fuse. int8-cpu
    keeps its weights in 7 bits, so that CPUs without VNNI (AVX2) cannot saturate their 16-bit sums.

    fp32-winograd is the FP32 graph with its 3x3 convolutions as Winograd F(4x4, 3x3) transforms in plain
    ONNX ops: 4x fewer multiply-adds in them on ONNX Runtime and OpenVINO, within fp32's gate, for the
    export's image size only.

    fp32-int8x3 computes each convolution as three INT8 products of digits of its input (8-bit) and weights
    (7-bit): x_hi w_hi + x_hi w_lo + x_lo w_hi, input ranges from --calib. FP32-grade images (PSNR >= 60 dB)
    on INT8 kernels, which CPUs with AMX run several times faster than FP32 ones.

    \b
    Examples:
      ugatit-deploy export
      ugatit-deploy export --ckpt run.pt --direction b2a --precision fp32,fp16,int8 --out exports/
      ugatit-deploy export --ckpt run.pt --precision int8 --calib data/selfie2anime/testA
      ugatit-deploy export --precision int8-cpu --keep-fp auto
      ugatit-deploy export --precision fp32-int8x3 --calib data/selfie2anime/testA
      ugatit-deploy export --precision int8-cpu --calib-method minmax --no-bias-correction
      ugatit-deploy export --precision fp32,fp16 --triton-repo model_repository/
      ugatit-deploy export --ckpt run.pt --precision fp16 --gate fp16:psnr=45
      ugatit-deploy export --ckpt run.pt --format mnn --out exports/      # then: infer --backend mnn
      ugatit-deploy export --ckpt run.pt --format ncnn --out exports/
      ugatit-deploy export --ckpt run.pt --format tensorrt --precision fp16   # on the GPU that will run it
      ugatit-deploy export --adailn inline --with-faces --out exports/   # for ugatit-infer --faces (C++)
    """
    from ..export import GraphOptions, export_checkpoint

    takers = forms_where(float_layers=True)  # the forms that take --keep-fp and the calibration recipe
    if keep_fp and not any(p in takers for p in precisions):
        raise click.BadParameter(f"applies to {' and '.join(takers)} only", param_hint="--keep-fp")

    options = GraphOptions(outputs=outputs, dynamic_batch=dynamic_batch, opset=opset, adailn=adailn)
    if recipe != QuantRecipe() and not any(p in takers for p in precisions):
        raise click.UsageError(f"the calibration flags apply to {' and '.join(takers)} only")
    int8 = int8_options(calib, calib_images, keep_fp, recipe)
    if triton_repo is not None and FORMATS[fmt].triton is None:
        served = " and ".join(f.name for f in FORMATS.values() if f.triton)
        raise click.BadParameter(f"Triton repositories take {served} files, not {fmt}", param_hint="--triton-repo")
    written = export_checkpoint(ckpt or default_model_path(), direction, out, precisions, options, int8, gates,
                                log=click.echo, fmt=fmt)  # fmt: skip
    if triton_repo is not None:
        from ..export.triton import write_triton_repo

        for path in written:
            click.echo(f"  triton   {write_triton_repo(path, triton_repo, max_batch=triton_max_batch)}")
    if with_faces and written:
        from ..export.face_detector import write_detector

        folder, reused = write_detector(written[0].parent)
        click.echo(f"  faces    {folder}" + (" (reused: its files match their sidecars)" if reused else ""))
