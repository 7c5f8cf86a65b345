"""INT8 calibration choices compared on held-out photos: activation-range method (min-max, percentile,
entropy) x per-channel / per-tensor weights x bias correction, then ``--keep-fp auto`` on the best.

    python benchmarks/studies/int8_calibration.py --ckpt ugatit_deploy/assets/photo2cartoon.pt \\
        --calib CALIB_DIR --images EVAL_DIR --out benchmarks/results/int8_calibration_trained.json

Each combination is quantized from the checkpoint's FP32 graph (calibrated on ``--calib``), run on OpenVINO CPU
(f32 hint: the Q/DQ pairs select its int8 kernels) or ONNX Runtime, on the photos of ``--images`` (which must
not be calibration images), and compared with PyTorch FP32: PSNR / SSIM per image (mean and worst) and over
the set (as the export and bench gates judge a set), against ``FAST_PATH_GATE``; for a model trained on the
cartoon task also the task score (``training.task_score``) and its drop from FP32 (at most 1 dB to pass).
``--keep-fp auto`` chooses its layers on the calibration images and the turned bundled photos, as the export
does. Writes the JSON record and a markdown table beside it (same name, ``.md``).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import onnx
import torch

from ugatit_deploy.benchmarks.machine import machine_record
from ugatit_deploy.checkpoint import open_generator
from ugatit_deploy.core.gates import FAST_PATH_GATE
from ugatit_deploy.core.parity import image_parity, to_uint8
from ugatit_deploy.core.reference_images import photo_variants, trained_on_photos
from ugatit_deploy.export.onnx_graph import GraphOptions, export_graph
from ugatit_deploy.export.pipeline import AUTO_KEEP_FP_GATE
from ugatit_deploy.export.validate import ort_session
from ugatit_deploy.forms import FORMS
from ugatit_deploy.forms.transforms.int8 import (
    CalibrationSet,
    calibration_batches,
    calibration_files,
    calibration_set,
    float_layers,
)
from ugatit_deploy.forms.transforms.int8_options import CALIB_METHODS, CONV_OUTPUTS, DEFAULT_PERCENTILE, QuantRecipe
from ugatit_deploy.training.task_score import cartoons_of, task_score

MAX_TASK_DROP_DB = 1.0
# What each variant was before this study: measured too (unless --no-before), as the row to compare with.
BEFORE = {"int8-cpu": QuantRecipe("percentile", 99.99, per_channel=True, bias_correction=False, conv_outputs="int8",
                                  weight_bits=8),
          "int8": QuantRecipe("minmax", per_channel=True, bias_correction=False, conv_outputs="int8",
                              weight_bits=8)}  # fmt: skip
Runner = Callable[[np.ndarray], np.ndarray]  # one 1 x 3 x S x S image -> its output


@dataclass(frozen=True)
class ComboResult:
    """One combination's images against FP32 on the evaluation photos."""

    name: str
    method: str
    percentile: float | None
    per_channel: bool
    bias_correction: bool
    conv_outputs: str
    weight_bits: int | None
    keep_fp: tuple[str, ...]
    float_layers: int
    psnr_db_mean: float
    psnr_db_worst: float
    ssim_mean: float
    ssim_worst: float
    set_psnr_db: float  # over the whole set, as the export and bench gates judge one
    set_ssim: float
    task_psnr_db: float | None  # the cartoon model only
    task_drop_db: float | None  # FP32's task score minus this one's
    passes_gate: bool  # the set meets FAST_PATH_GATE
    every_image_passes: bool
    passes: bool  # the gate, and a task drop of at most MAX_TASK_DROP_DB where measured
    quantize_seconds: float


def recipe_name(recipe: QuantRecipe, keep_fp: Sequence[str] | None = None) -> str:
    """``percentile-99.99 per-channel float-out +bc 7-bit weights``, with ``keep-fp auto: N`` for a ``--keep-fp
    auto`` row (the weight bits where the recipe names them)."""
    parts = [recipe.ranges, "per-channel" if recipe.per_channel else "per-tensor", f"{recipe.conv_outputs}-out"]
    parts += ["+bc"] if recipe.bias_correction else []
    parts += [f"{recipe.weight_bits}-bit weights"] if recipe.weight_bits else []
    parts += [f"keep-fp auto: {len(keep_fp)}"] if keep_fp is not None else []
    return " ".join(parts)


def combinations(methods: Sequence[str], percentiles: Sequence[float], bias: Sequence[bool] = (False, True),
                 per_channel: Sequence[bool] = (True, False), outputs: Sequence[str] = CONV_OUTPUTS,
                 weight_bits: Sequence[int | None] = (None,)) -> list[QuantRecipe]:  # fmt: skip
    """Every method (percentile once per value) x conv outputs x per-channel x bias correction x weight bits."""
    ranges = [(m, p) for m in methods for p in (percentiles if m == "percentile" else [DEFAULT_PERCENTILE])]
    return [QuantRecipe(m, p, pc, bc, out, bits) for m, p in ranges for out in outputs for pc in per_channel
            for bc in bias for bits in weight_bits]  # fmt: skip


def openvino_runner(model: onnx.ModelProto, size: int, threads: int | None) -> Runner:
    """The graph compiled by OpenVINO for the CPU (f32 hint), static 1 x 3 x size x size."""
    from ugatit_deploy.backends.openvino_runner import compile_cpu, shared_core
    from ugatit_deploy.core.onnx_contract import inline_norms
    from ugatit_deploy.core.optional import openvino

    ov = openvino()
    core = shared_core(ov)
    with tempfile.TemporaryDirectory(prefix="ugatit-int8-study-") as tmp:
        onnx.save(inline_norms(model), f"{tmp}/model.onnx")
        read = core.read_model(f"{tmp}/model.onnx")
    read.reshape({read.input(0): ov.PartialShape([1, 3, size, size])})
    request = compile_cpu(core, read, threads).create_infer_request()
    return lambda image: np.array(request.infer({0: image})["output"], dtype=np.float32, copy=True)


def ort_runner(model: onnx.ModelProto, size: int, threads: int | None) -> Runner:
    """The graph on ONNX Runtime CPU with its default optimizations (fused int8 kernels)."""
    session = ort_session(model, threads)
    return lambda image: session.run(["output"], {"input": image})[0]


RUNTIMES = {"openvino": openvino_runner, "onnxruntime": ort_runner}


@dataclass(frozen=True)
class Evaluation:
    """The evaluation photos, their FP32 outputs and (cartoon model) their task targets."""

    inputs: np.ndarray  # N x 3 x S x S in [-1, 1]
    reference: np.ndarray  # PyTorch FP32 outputs
    photos: np.ndarray | None  # N x S x S x 3 uint8, for the task score
    cartoons: np.ndarray | None
    fp32_task_psnr_db: float | None

    def task_psnr(self, outputs: np.ndarray) -> float | None:
        if self.photos is None:
            return None
        images = to_uint8(np.nan_to_num(outputs)).transpose(0, 2, 3, 1).copy()
        return task_score(self.photos, images, self.cartoons).psnr_db


def evaluation(generator: torch.nn.Module, folder: Path, limit: int, size: int, task: bool) -> Evaluation:
    """The photos of ``folder`` (at most ``limit``) at the model's size, with their FP32 outputs."""
    inputs = np.concatenate(calibration_batches(calibration_files(folder, limit), size))
    with torch.inference_mode():
        reference = np.concatenate([generator(torch.from_numpy(inputs[i : i + 4]))[0].numpy()
                                    for i in range(0, len(inputs), 4)])  # fmt: skip
    if not task:
        return Evaluation(inputs, reference, None, None, None)
    photos = to_uint8(inputs).transpose(0, 2, 3, 1).copy()
    cartoons = cartoons_of(photos)
    partial = Evaluation(inputs, reference, photos, cartoons, None)
    return replace(partial, fp32_task_psnr_db=partial.task_psnr(reference))


def judge(name: str, recipe: QuantRecipe, kept: Sequence[str], floating: int, outputs: np.ndarray,
          data: Evaluation, seconds: float) -> ComboResult:  # fmt: skip
    """One combination's record from its outputs of the evaluation photos."""
    per_image = [image_parity(data.reference[i : i + 1], outputs[i : i + 1]) for i in range(len(outputs))]
    whole = image_parity(data.reference, outputs)
    task = data.task_psnr(outputs)
    drop = None if task is None or data.fp32_task_psnr_db is None else data.fp32_task_psnr_db - task
    gate = not FAST_PATH_GATE.failures(whole)
    every = all(not FAST_PATH_GATE.failures(p) for p in per_image)
    return ComboResult(
        name, recipe.method, recipe.percentile if recipe.method == "percentile" else None, recipe.per_channel,
        recipe.bias_correction, recipe.conv_outputs, recipe.weight_bits, tuple(kept), floating,
        round(float(np.mean([p.psnr_db for p in per_image])), 2), round(min(p.psnr_db for p in per_image), 2),
        round(float(np.mean([p.ssim for p in per_image])), 4), round(min(p.ssim for p in per_image), 4),
        round(whole.psnr_db, 2), round(whole.ssim, 4),
        None if task is None else round(task, 2), None if drop is None else round(drop, 2),
        gate, every, gate and (drop is None or drop <= MAX_TASK_DROP_DB), round(seconds, 1),
    )  # fmt: skip


def best(results: Sequence[ComboResult]) -> ComboResult:
    """The combination that passes (gate and task), on every image if any does, with the highest set SSIM,
    then PSNR (SSIM is what INT8 missed the gate by before)."""
    return max(results, key=lambda r: (r.passes, r.passes and r.every_image_passes, r.set_ssim, r.set_psnr_db))


def markdown(report: dict, results: Sequence[ComboResult]) -> str:
    """The comparison as a markdown table, with the command and the setup."""
    task = any(r.task_drop_db is not None for r in results)
    head = ["combination", "float layers", "PSNR mean / worst", "SSIM mean / worst", "set PSNR / SSIM"]
    head += ["task dB (drop)"] if task else []
    head += ["gate", "passes", "quantize s"]  # calibration included where its ranges were not cached yet
    lines = [f"# INT8 calibration: {report['checkpoint']} ({report['variant']}, {report['runtime']})", "",
             f"Command: `{report['command']}`", "",
             f"{report['eval_images']} held-out photos ({report['images']}); calibration: {report['calibration']}. "
             f"Before this study {report['variant']} was `{report['before']}`. "
             + (f"FP32 task score: {report['fp32_task_psnr_db']} dB. " if task else "")
             + f"Gate: PSNR >= {FAST_PATH_GATE.min_psnr_db:g} dB "
             f"and SSIM >= {FAST_PATH_GATE.min_ssim:g} over the set; passes: the gate"
             + (f" and a task drop <= {MAX_TASK_DROP_DB:g} dB." if task else ".")
             + " quantize s: calibration included where the ranges were not cached yet (shared CPUs).",
             "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]  # fmt: skip
    for r in results:
        row = [r.name, str(r.float_layers), f"{r.psnr_db_mean:.2f} / {r.psnr_db_worst:.2f}",
               f"{r.ssim_mean:.4f} / {r.ssim_worst:.4f}", f"{r.set_psnr_db:.2f} / {r.set_ssim:.4f}"]  # fmt: skip
        row += [f"{r.task_psnr_db:.2f} ({r.task_drop_db:+.2f})"] if task else []
        row += ["pass" if r.passes_gate else "fail", "yes" if r.passes else "no", f"{r.quantize_seconds:.0f}"]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def _flags(text: str) -> tuple[bool, ...]:
    return tuple(dict.fromkeys({"on": True, "off": False}[v.strip()] for v in text.split(",")))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line (``argv``; ``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ckpt", type=Path, required=True, help="generator file or checkpoint")
    parser.add_argument("--direction", default="a2b")
    parser.add_argument("--calib", type=Path, required=True, help="calibration image folder")
    parser.add_argument("--calib-images", type=int, default=64)
    parser.add_argument("--images", type=Path, required=True, help="held-out evaluation photos (not calibration)")
    parser.add_argument("--eval-images", type=int, default=24)
    parser.add_argument("--variant", default="int8-cpu", choices=("int8-cpu", "int8"))
    parser.add_argument("--methods", default=",".join(CALIB_METHODS))
    parser.add_argument("--percentiles", default=f"{DEFAULT_PERCENTILE:g}", help="comma-separated")
    parser.add_argument("--per-channel", default="on,off", help="on, off or both (on,off)")
    parser.add_argument("--bias-correction", default="off,on", help="off, on or both (off,on)")
    parser.add_argument("--conv-outputs", default=",".join(CONV_OUTPUTS), help="float, int8 or both (float,int8)")
    parser.add_argument("--weight-bits", default=None,
                        help="8, 7 or both (8,7); default: the variant's (int8-cpu 7, int8 8)")  # fmt: skip
    parser.add_argument("--keep-fp-auto", action=argparse.BooleanOptionalAction, default=True,
                        help="also --keep-fp auto with the best combination")  # fmt: skip
    parser.add_argument(
        "--before",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure the variant as it was before this study (int8-cpu: percentile-99.99 int8-out; int8: "
        "minmax int8-out)",
    )
    parser.add_argument("--runtime", choices=tuple(RUNTIMES), default="openvino")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--cache", type=Path, default=None, help="calibration cache folder (default: temporary)")
    parser.add_argument("--out", type=Path, required=True)
    return parser.parse_args(argv)


def _check_held_out(calibration: Sequence[np.ndarray], inputs: np.ndarray) -> None:
    seen = {batch.tobytes() for batch in calibration}
    if any(inputs[i : i + 1].tobytes() in seen for i in range(len(inputs))):
        raise SystemExit("--images holds calibration images: evaluate on held-out photos only")


def _keep_fp_auto(args: argparse.Namespace, generator: torch.nn.Module, base: onnx.ModelProto,
                  calibration: CalibrationSet, recipe: QuantRecipe) -> list[str]:  # fmt: skip
    """The layers ``--keep-fp auto`` keeps float with ``recipe`` (chosen as the export chooses them)."""
    from ugatit_deploy.export.int8_search import search_keep_fp
    from ugatit_deploy.export.sensitivity import reference_sets

    sets = reference_sets(generator, calibration, photo_variants(int(calibration.holdout.shape[-1])))
    return search_keep_fp(base, calibration, FORMS[args.variant], sets, AUTO_KEEP_FP_GATE, recipe).kept


def main(argv: Sequence[str] | None = None) -> None:
    """Quantize, run and judge every combination; write the JSON record and the markdown table."""
    args = parse_args(argv)
    info, generator = open_generator(args.ckpt, args.direction)
    size = info.config_for(args.direction).img_size
    base = export_graph(generator, replace(GraphOptions(), adailn="function"))
    calibration = calibration_set(args.calib, args.calib_images, info.metadata, args.direction, size)
    data = evaluation(generator, args.images, args.eval_images, size, trained_on_photos(info.metadata))
    _check_held_out(calibration.batches, data.inputs)
    recipes = combinations([m.strip() for m in args.methods.split(",")],
                           [float(p) for p in args.percentiles.split(",")],
                           _flags(args.bias_correction), _flags(args.per_channel),
                           [v.strip() for v in args.conv_outputs.split(",")],
                           [int(v) for v in args.weight_bits.split(",")] if args.weight_bits else [None])  # fmt: skip
    recipes = [FORMS[args.variant].recipe(recipe) for recipe in recipes]
    before = BEFORE[args.variant]
    recipes += [] if before in recipes or not args.before else [before]
    run = RUNTIMES[args.runtime]
    results: list[ComboResult] = []
    with tempfile.TemporaryDirectory(prefix="ugatit-int8-cache-") as tmp:
        cache = args.cache or Path(tmp)
        cache.mkdir(parents=True, exist_ok=True)

        def measure(recipe: QuantRecipe, kept: Sequence[str] | None = None) -> ComboResult:
            start = time.perf_counter()
            model = FORMS[args.variant].quantize(base, calibration.batches, cache, kept or (), recipe)
            seconds = time.perf_counter() - start
            runner = run(model, size, args.threads)
            outputs = np.concatenate([runner(data.inputs[i : i + 1]) for i in range(len(data.inputs))])
            floating = len({*float_layers(base), *(kept or ())})
            result = judge(recipe_name(recipe, kept), recipe, kept or (), floating, outputs, data, seconds)
            print(f"{result.name:<36} set {result.set_psnr_db:6.2f} dB / {result.set_ssim:.4f}, worst image "
                  f"{result.psnr_db_worst:6.2f} dB / {result.ssim_worst:.4f}, task drop {result.task_drop_db}, "
                  f"{'passes' if result.passes else 'fails'} ({seconds:.0f} s)", flush=True)  # fmt: skip
            return result

        results = [measure(recipe) for recipe in recipes]
        winner = best(results)
        if args.keep_fp_auto:
            recipe = next(r for r in recipes if recipe_name(r) == winner.name)
            results.append(measure(recipe, _keep_fp_auto(args, generator, base, calibration, recipe)))
    report = _report(args, argv, calibration, data, winner, results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    args.out.with_suffix(".md").write_text(markdown(report, results))
    print(f"best: {winner.name}\nwrote {args.out} and {args.out.with_suffix('.md')}")


def _report(args: argparse.Namespace, argv: Sequence[str] | None, calibration: CalibrationSet, data: Evaluation,
            winner: ComboResult, results: Sequence[ComboResult]) -> dict:  # fmt: skip
    """The JSON record: the command, the machine, the setup and every combination's result."""
    command = ["python", "benchmarks/studies/int8_calibration.py", *(argv if argv is not None else sys.argv[1:])]
    return {
        "command": shlex.join(command),
        "machine": machine_record(),
        "checkpoint": args.ckpt.name,
        "variant": args.variant,
        "runtime": f"{args.runtime} CPU" + (" (f32 hint)" if args.runtime == "openvino" else ""),
        "calibration": calibration.source,
        "images": str(args.images),
        "eval_images": len(data.inputs),
        "gate": FAST_PATH_GATE.describe(),
        "max_task_drop_db": MAX_TASK_DROP_DB,
        "fp32_task_psnr_db": None if data.fp32_task_psnr_db is None else round(data.fp32_task_psnr_db, 2),
        "best": winner.name,
        "before": recipe_name(BEFORE[args.variant]),  # what the variant was before this study
        "results": [asdict(r) for r in results],
    }


if __name__ == "__main__":
    main()
