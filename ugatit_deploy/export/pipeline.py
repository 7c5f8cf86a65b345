"""Checkpoint -> validated ONNX artifacts (FP32, FP16, INT8), each with its metadata sidecar."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
import onnx

from ..artifacts import FORMATS, onnx_path
from ..checkpoint import checkpoint_sha256, open_generator
from ..fileio import atomic_output
from ..gates import FAST_PATH_GATE, Gate, gates_with, runtime_gate
from ..metadata import describe_file, new_record, preprocessing_for, to_onnx_props, write_sidecar
from ..onnx_contract import inline_norms
from ..precisions import EXPORT_PRECISIONS, INT8_PRECISIONS
from ..reference_images import photo_variants, reference_batch
from .fp16 import convert_to_fp16
from .int8 import CalibrationSet, calibration_set, conv_layers, float_layers, quantize
from .int8_options import Int8Options, KeepFp
from .mnn_format import write_mnn
from .ncnn_format import NcnnInt8, write_ncnn
from .onnx_graph import ExportError, GraphOptions, dim_names, export_graph
from .validate import check_graph, extreme_inputs, ort_session, validate_against_torch

PRECISIONS = EXPORT_PRECISIONS
FORMAT_PRECISIONS = {"onnx": EXPORT_PRECISIONS, "mnn": ("fp32",), "ncnn": ("fp32", "int8-cpu")}
# Why the others are not offered (measured; benchmarks/README.md, "MNN and ncnn").
FORMAT_REFUSALS = {
    "mnn": "MNN's low-precision mode computes what its fp32 does on x86, and MNN 3.6.1's INT8 quantizer crashes "
    "on the generator",
    "ncnn": "ncnn's fp16 only changes storage on x86 (measured no faster); its CPU INT8 is int8-cpu (int8 is "
    "TensorRT's Q/DQ form)",
}


def artifact_paths(out: Path, checkpoint: Path, direction: str, precisions: Sequence[str],
                   fmt: str = "onnx") -> dict[str, Path]:  # fmt: skip
    """Where each precision goes: ``out`` itself if it names one file, else ``artifacts.onnx_path``."""
    if out.name.endswith(FORMATS[fmt]):
        if len(precisions) > 1:
            raise ExportError(f"--out {out} names one file, but {len(precisions)} precisions were asked: give a folder")
        return {precisions[0]: out}
    return {p: onnx_path(out, checkpoint, direction, p, fmt) for p in precisions}


# --keep-fp auto chooses on held-out images and on the photos turned by 90 degrees (photo_variants), with
# a small margin over FAST_PATH_GATE so that the photos themselves, which it never sees, land above the bar.
AUTO_KEEP_FP_GATE = Gate(min_psnr_db=FAST_PATH_GATE.min_psnr_db + 1, min_ssim=FAST_PATH_GATE.min_ssim + 0.005)


def _layers_to_keep(keep_fp: KeepFp, generator, base: onnx.ModelProto, calibration: CalibrationSet, variant: str,
                    log: Callable[[str], None]) -> list[str]:  # fmt: skip
    """``keep_fp`` as layer names: a count means that many of the worst layers of a sensitivity run;
    ``auto`` the fewest worst layers that meet AUTO_KEEP_FP_GATE on held-out images and turned photos."""
    if keep_fp.names or not keep_fp:
        return list(keep_fp.names)
    from .sensitivity import fewest_float_layers, sensitivity_of_generator, worst_layers

    photos = photo_variants(int(calibration.holdout.shape[-1]))
    log(f"  {variant}: quantizing each layer alone to rank the layers by sensitivity")
    results = sensitivity_of_generator(generator, base, calibration, variant, photos)
    if keep_fp.auto:
        worst = fewest_float_layers(generator, base, calibration, variant, photos, results, AUTO_KEEP_FP_GATE)
    else:
        worst = worst_layers(results, keep_fp.count)
    by_layer = {r.layer: r for r in results}
    log("  keeping in float: " + (", ".join(f"{n} ({by_layer[n].psnr_db:.1f} dB alone)" for n in worst) or "none"))
    return worst


def _quantization_record(base: onnx.ModelProto, variant: str, keep_fp: list[str], calibration: CalibrationSet,
                         fmt: str) -> dict:  # fmt: skip
    floating = list(dict.fromkeys([*float_layers(base, fmt), *keep_fp]))
    return {"variant": variant, "float_layers": floating, "keep_fp": keep_fp, "calibration": calibration.source}


def _check_finite_on_extremes(model: onnx.ModelProto, size: int, light: bool) -> dict[str, int]:
    session = ort_session(model)
    counts = {}
    for label, x in extreme_inputs(size if not light else size).items():
        out = session.run(None, {"input": x})
        counts[label] = int(sum((~np.isfinite(o)).sum() for o in out))
    if any(counts.values()):
        raise ExportError(f"NaN/Inf on extreme inputs: {counts}")
    return counts


def export_checkpoint(
    ckpt: str | os.PathLike[str],
    direction: str = "a2b",
    out: str | os.PathLike[str] = "exports",
    precisions: Sequence[str] = ("fp32",),
    options: GraphOptions = GraphOptions(),  # noqa: B008 - frozen dataclass, never mutated
    int8: Int8Options = Int8Options(),  # noqa: B008 - frozen dataclass, never mutated
    gates: Mapping[str, Gate] | None = None,
    log: Callable[[str], None] = print,
    fmt: str = "onnx",
) -> list[Path]:
    """Export one direction of a checkpoint to validated ONNX files; return their paths.

    Each file is validated against the PyTorch model before it is written; one that misses its gate is
    not written and raises ExportError with the figures. ``gates`` moves default thresholds per precision
    (``parse_gates("fp16:psnr=45")``: the metrics named, the others kept). ``int8`` sets the INT8
    calibration and the convolutions left in float (``Int8Options.keep_fp``). ``fmt`` ``"mnn"`` converts
    each validated graph with MNN's converter and validates the ``.mnn`` file too (``artifacts.FORMATS``)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown --format {fmt!r}: use {', '.join(FORMATS)}")
    if fmt != "onnx" and (others := [p for p in precisions if p not in FORMAT_PRECISIONS[fmt]]):
        raise ExportError(f"--format {fmt} takes {', '.join(FORMAT_PRECISIONS[fmt])}, not {others[0]}: "
                          f"{FORMAT_REFUSALS[fmt]}")  # fmt: skip
    if fmt == "ncnn" and options.outputs != "image":
        raise ExportError("--format ncnn writes the image output only: drop --outputs all")
    unknown = [p for p in precisions if p not in EXPORT_PRECISIONS]
    if unknown:
        raise ExportError(f"unknown precision {unknown[0]!r}: use {', '.join(EXPORT_PRECISIONS)}")
    if int8.keep_fp and not any(p in INT8_PRECISIONS for p in precisions):
        raise ExportError(f"--keep-fp applies to {' and '.join(INT8_PRECISIONS)} only")
    all_gates = gates_with(dict(gates or {}))
    ckpt = Path(ckpt)
    info, generator = open_generator(ckpt, direction)
    config = info.config_for(direction)
    paths = artifact_paths(Path(out), ckpt, direction, precisions, fmt)
    calibration = None
    if any(p in INT8_PRECISIONS for p in precisions):
        calibration = calibration_set(int8.calib, int8.calib_images, info.metadata, direction, config.img_size)
    references = reference_batch(config.img_size)  # 4 natural photos + 4 demo images

    for note in info.notes:
        log(f"note: {note}")
    variant = ", TensorFlow variant" if config.variant == "tensorflow" else ""
    log(f"exporting {ckpt.name} [{direction}]: {'light' if config.light else 'full'}, ngf {config.ngf}, "
        f"n_blocks {config.n_blocks}, {config.img_size} px{variant}")  # fmt: skip
    base = export_graph(generator, replace(options, adailn="function"))
    int8.keep_fp.check_names(conv_layers(base).values())
    source = {"checkpoint": ckpt.name, "sha256": checkpoint_sha256(ckpt), "format": info.format}
    dims = dim_names(config.light, options.dynamic_batch, config.img_size)
    io = {
        "input": {"name": "input", "shape": dims["input"], "dtype": "float32", "range": [-1.0, 1.0]},
        "outputs": [{"name": n, "shape": dims[n], "dtype": "float32"} for n in options.output_names],
    }
    written = []
    for precision, path in paths.items():
        if precision == "fp32":
            model = base
        elif precision == "fp16":
            model = convert_to_fp16(base)
        else:
            floating = _layers_to_keep(int8.keep_fp, generator, base, calibration, precision, log)
            log(f"  calibrating {precision} on {calibration.source}")
            # ncnn quantizes the fp32 graph with its own scales (write_ncnn); ONNX gets QDQ nodes
            quantized = fmt != "ncnn"
            model = quantize(base, calibration.batches, precision, path.parent, floating) if quantized else base
        if options.adailn == "inline":
            model = inline_norms(model)
        check_graph(model, require_symmetric=precision == "int8")
        if precision in INT8_PRECISIONS:  # gated in the calibration domain; natural photos measured too
            gate_images, extra = calibration.holdout, {"photos": references[:4]}
        else:
            gate_images, extra = references, None
        report = validate_against_torch(model, generator, precision, all_gates[precision], options.dynamic_batch,
                                        options.output_names, gate_images, extra)  # fmt: skip
        if precision == "fp16":
            report["extreme_inputs_nonfinite"] = _check_finite_on_extremes(model, config.img_size, config.light)
        record = new_record(
            "onnx",
            precision=precision,
            normalization=f"adailn-{options.adailn}",
            direction=direction,
            model=config.to_dict(),
            preprocessing=preprocessing_for(config.variant),
            io=io,
            source=source,
            opset=options.opset,
            validation=report,
            **(
                {"quantization": _quantization_record(base, precision, floating, calibration, fmt)}
                if precision in INT8_PRECISIONS
                else {}
            ),  # fmt: skip
        )
        if fmt != "onnx":
            gate = runtime_gate(fmt, precision, all_gates, gates)
            validate = partial(validate_against_torch, model, generator, precision, gate, options.dynamic_batch,
                               options.output_names, gate_images, extra)  # fmt: skip
            if fmt == "mnn":
                report = write_mnn(model, path, record, options.output_names, validate)
            else:
                ncnn_int8 = None
                if precision in INT8_PRECISIONS:
                    floating_layers = set(record["quantization"]["float_layers"])
                    ncnn_int8 = NcnnInt8(conv_layers(base), floating_layers, calibration.batches)
                report = write_ncnn(model, path, record, config.img_size, validate, ncnn_int8)
        else:
            del model.metadata_props[:]
            onnx.helper.set_model_props(model, to_onnx_props(record))
            with atomic_output(path) as handle:
                handle.write(model.SerializeToString())
            write_sidecar(describe_file(record, path), path)
        worst_abs = max(stats["max_abs"] for stats in report["cases"].values())
        worst_psnr = min(stats["psnr_db"] for stats in report["cases"].values())
        log(f"  {precision:<8} {path}  max abs {worst_abs:.2e}, PSNR {worst_psnr:.1f} dB")
        written.append(path)
    return written
