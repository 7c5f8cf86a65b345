"""Checkpoint -> validated artifacts of any format (``formats``), one per graph form, each with its sidecar.

For every form: its graph, built from the FP32 graph as the form declares (``GraphForm.build``; calibrated
on real images where it says so), checked, validated on ONNX Runtime against the PyTorch model with the
form's gate, then handed to the format, which converts it, validates the converted model on its own
runtime and writes it (``ArtifactFormat.write``).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import cast

import numpy as np
import onnx
import torch

from ..checkpoint import checkpoint_sha256
from ..core.errors import UnavailableError
from ..core.fileio import check_writable
from ..core.gates import FAST_PATH_GATE, Gate
from ..core.metadata import (
    ArtifactRecord,
    IoSpec,
    ModelSpec,
    Quantization,
    SourceCheckpoint,
    TensorSpec,
    ValidationReport,
    preprocessing_for,
)
from ..core.onnx_contract import conv_layers, dim_names, inline_norms
from ..core.reference_images import photo_variants, reference_batch
from ..formats import ArtifactFormat, WriteJob, get_format
from ..forms import FORMS, BuildContext, GraphForm, forms_where, gates_with, get_form
from ..forms.qdq import QdqForm
from ..forms.transforms.int8 import CalibrationSet, calibration_set
from ..forms.transforms.int8_options import Int8Options, KeepFp
from .onnx_graph import ExportError, GraphOptions
from .reuse import fp32_graph, opened_generator
from .validate import check_graph, extreme_inputs, ort_session, validate_against_torch

PRECISIONS = tuple(FORMS)  # the names ``export --precision`` takes: every graph form

# --keep-fp auto chooses on held-out images and on the photos turned by 90 degrees (photo_variants), with
# a small margin over FAST_PATH_GATE so that the photos themselves, which it never sees, land above the bar.
AUTO_KEEP_FP_GATE = Gate(min_psnr_db=FAST_PATH_GATE.min_psnr_db + 1, min_ssim=FAST_PATH_GATE.min_ssim + 0.005)


def artifact_paths(out: Path, checkpoint: Path, direction: str, precisions: Sequence[str],
                   fmt: ArtifactFormat) -> dict[str, Path]:  # fmt: skip
    """Where each precision goes: ``out`` itself if it names one file, else the format's name for it."""
    if out.name.endswith(fmt.suffixes):
        if len(precisions) > 1:
            raise ExportError(f"--out {out} names one file, but {len(precisions)} precisions were asked: give a folder")
        return {precisions[0]: out}
    return {p: fmt.artifact_path(out, checkpoint, direction, p) for p in precisions}


@dataclass(frozen=True)
class _Export:
    """What every precision of one export shares."""

    fmt: ArtifactFormat
    generator: torch.nn.Module
    base: onnx.ModelProto  # the FP32 function-mode graph
    options: GraphOptions
    int8: Int8Options
    gates: Mapping[str, Gate]  # the user's --gate overrides
    template: ArtifactRecord  # the fields every precision's record shares
    references: torch.Tensor  # 4 natural photos + 4 demo images
    calibration: CalibrationSet | None
    log: Callable[[str], None]


def _check_request(fmt: ArtifactFormat, precisions: Sequence[str], options: GraphOptions, int8: Int8Options) -> None:
    """ExportError (UnavailableError: a missing converter) before anything is read or written."""
    if unknown := [p for p in precisions if p not in FORMS]:
        raise ExportError(f"unknown precision {unknown[0]!r}: use {', '.join(FORMS)}")
    fmt.check_request(precisions, options.outputs == "all")
    if int8.keep_fp and not any(FORMS[p].float_layers for p in precisions):
        raise ExportError(f"--keep-fp applies to {' and '.join(forms_where(float_layers=True))} only")
    if reason := fmt.unavailable_reason():
        raise UnavailableError(f"--format {fmt.name}: {reason}")


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
    """Export one direction of a checkpoint to validated artifacts of format ``fmt``; return their paths.

    Each file is validated against the PyTorch model before it is written; one that misses its gate is
    not written and raises ExportError with the figures. ``gates`` moves default thresholds per precision
    (``parse_gates("fp16:psnr=45")``: the metrics named, the others kept). ``int8`` sets the INT8
    calibration and the convolutions left in float (``Int8Options.keep_fp``). ``fmt``: a name of
    ``formats.FORMATS`` (onnx, tensorrt, mnn, ncnn)."""
    target = get_format(fmt)
    _check_request(target, precisions, options, int8)
    ckpt = Path(ckpt)
    info, generator = opened_generator(str(ckpt), direction)  # read once per process (export.reuse)
    config = info.config_for(direction)
    paths = artifact_paths(Path(out), ckpt, direction, precisions, target)
    for path in paths.values():
        check_writable(path)
    calibration = None
    if any(FORMS[p].calibrated for p in precisions):
        calibration = calibration_set(int8.calib, int8.calib_images, info.metadata, direction, config.img_size)
    for note in info.notes:
        log(f"note: {note}")
    variant = ", TensorFlow variant" if config.variant == "tensorflow" else ""
    log(f"exporting {ckpt.name} [{direction}]: {'light' if config.light else 'full'}, ngf {config.ngf}, "
        f"n_blocks {config.n_blocks}, {config.img_size} px{variant}")  # fmt: skip
    base = fp32_graph(str(ckpt), direction, generator, replace(options, adailn="function"))
    int8.keep_fp.check_names(conv_layers(base).values())
    template = ArtifactRecord(
        kind=target.kind, precision="fp32", normalization=f"adailn-{options.adailn}", direction=direction,
        model=ModelSpec.from_dict(config.to_dict()), preprocessing=preprocessing_for(config.variant),
        io=_io(options, config.light, config.img_size),
        source=SourceCheckpoint(ckpt.name, checkpoint_sha256(ckpt), info.format), opset=options.opset,
    )  # fmt: skip
    job = _Export(target, generator, base, options, int8, dict(gates or {}), template,
                  reference_batch(config.img_size), calibration, log)  # fmt: skip
    return [_export_one(job, precision, path) for precision, path in paths.items()]


def _io(options: GraphOptions, dynamic_size: bool, size: int) -> IoSpec:
    """The graph's inputs and outputs as the record states them (a light generator's size is dynamic)."""
    dims = dim_names(dynamic_size, options.dynamic_batch, size)
    return IoSpec(TensorSpec("input", tuple(dims["input"]), "float32", (-1.0, 1.0)),
                  tuple(TensorSpec(n, tuple(dims[n]), "float32") for n in options.output_names))  # fmt: skip


# The layers --keep-fp chose, by (graph, variant, calibration, --keep-fp): one process exporting the
# same graph several times (bench and the main job: ONNX and ncnn INT8 files) ranks the layers once.
_CHOSEN: dict[tuple[str, str, str, str], list[str]] = {}


def _layers_to_keep(job: _Export, form: QdqForm, folder: Path) -> list[str]:
    """``--keep-fp`` as layer names: a count means that many of the layers that add the most error with every
    layer quantized (``int8_search``); ``auto`` the fewest of them that meet AUTO_KEEP_FP_GATE on held-out images
    and turned photos."""
    keep_fp: KeepFp = job.int8.keep_fp
    if keep_fp.names or not keep_fp:
        return list(keep_fp.names)
    assert job.calibration is not None
    key = (hashlib.sha256(job.base.SerializeToString()).hexdigest(), form.name, job.calibration.source,
           repr((keep_fp, job.int8.recipe)))  # fmt: skip
    if key not in _CHOSEN:
        _CHOSEN[key] = _rank_and_choose(job, form, folder)
    else:
        job.log(f"  {form.name}: keeping in float the layers chosen earlier: {', '.join(_CHOSEN[key]) or 'none'}")
    return list(_CHOSEN[key])


def _rank_and_choose(job: _Export, form: QdqForm, folder: Path) -> list[str]:
    """The layers ``--keep-fp`` (a count or auto) keeps in float, from ranking the layers by the error each adds in
    one quantized graph (``int8_search``): a count takes that many of the worst; auto bisects for the fewest. The
    calibration ranges are cached in ``folder``, where the export's own quantization finds them."""
    from tqdm import tqdm

    from ..core.progress import progress_bar
    from .int8_search import rank_by_added_error, search_keep_fp
    from .sensitivity import reference_sets

    keep_fp: KeepFp = job.int8.keep_fp
    assert job.calibration is not None
    photos = photo_variants(int(job.calibration.holdout.shape[-1]))
    sets = reference_sets(job.generator, job.calibration, photos)
    recipe = job.int8.recipe
    if not keep_fp.auto:
        job.log(f"  {form.name}: quantizing every layer once to rank the layers by the error each adds")
        ranking, _ = rank_by_added_error(job.base, job.calibration, form, sets, recipe, folder)
        worst = [e.layer for e in ranking[: keep_fp.count]]
        job.log("  keeping in float: " + ", ".join(worst))
        return worst

    def bar(total: int) -> tqdm:
        return progress_bar(desc="  --keep-fp auto", unit="graph", total=total)

    def log(line: str) -> None:
        with tqdm.external_write_mode():  # the bar cleared while the line is written, then drawn again
            job.log(line)

    job.log(f"  {form.name}: --keep-fp auto: ranking the layers in one quantized graph, then bisecting for the fewest "
            f"in float that meet {AUTO_KEEP_FP_GATE.spec('gate').removeprefix('gate:')}")  # fmt: skip
    search = search_keep_fp(job.base, job.calibration, form, sets, AUTO_KEEP_FP_GATE, recipe, log, bar, folder)
    job.log(f"  keeping in float: {', '.join(search.kept) or 'none'} ({len(search.steps)} graphs measured, "
            f"{search.seconds:.0f} s)")  # fmt: skip
    return search.kept


def _graph(job: _Export, form: GraphForm, folder: Path) -> tuple[onnx.ModelProto, Quantization | None]:
    """The graph of one form (a format that quantizes itself gets the FP32 graph) and what its record says
    about its quantization."""
    keep = _layers_to_keep(job, cast(QdqForm, form), folder) if form.float_layers else []
    context = BuildContext(job.base, job.template.model.img_size, job.calibration, folder, keep, job.int8.recipe,
                           job.fmt.float_rgb_out, job.fmt.quantizes_itself, job.log)  # fmt: skip
    built = form.build(context)
    return built.model, built.quantization


def _check_finite_on_extremes(model: onnx.ModelProto, size: int) -> dict[str, int]:
    session = ort_session(model)
    counts = {}
    for label, x in extreme_inputs(size).items():
        counts[label] = int(sum((~np.isfinite(o)).sum() for o in session.run(None, {"input": x})))
    if any(counts.values()):
        raise ExportError(f"NaN/Inf on extreme inputs: {counts}")
    return counts


def _export_one(job: _Export, precision: str, path: Path) -> Path:
    """Make, check and validate one form's graph, then let the format convert, validate and write it."""
    form = get_form(precision)
    model, quantization = _graph(job, form, path.parent)
    if job.options.adailn == "inline":
        model = inline_norms(model)
    check_graph(model, require_symmetric=form.symmetric)
    if form.validated_on_holdout:  # gated in the calibration domain; natural photos measured too
        assert job.calibration is not None
        images, extra = job.calibration.holdout, {"photos": job.references[:4]}
    else:
        images, extra = job.references, None
    fixed_size = form.fixed_size
    validate = partial(validate_against_torch, model, job.generator, precision, dynamic_batch=job.options.dynamic_batch,
                       output_names=job.options.output_names, images=images, report_only=extra,
                       other_size=not fixed_size)  # fmt: skip
    defaults = gates_with(job.gates)
    # A format that quantizes itself gets the FP32 graph: the INT8 model it makes is what its write validates, and
    # the FP32 graph judged by the INT8 gate would say nothing (14 runs of ONNX Runtime at 256 px).
    itself = job.fmt.quantizes_itself and quantization is not None
    report = None if itself else validate(gate=defaults[precision])
    size = job.template.model.img_size
    if form.check_extremes and report is not None:
        report = replace(report, extreme_inputs_nonfinite=_check_finite_on_extremes(model, size))
    runtime_gate = job.fmt.gate(precision, defaults, job.gates)

    def validate_converted(session: object) -> ValidationReport:
        return validate(gate=runtime_gate, session=session)

    record = replace(job.template, precision=precision, validation=report, quantization=quantization)
    if fixed_size:
        record = replace(record, io=_io(job.options, False, size))
    batches = job.calibration.batches if job.calibration is not None and quantization is not None else ()
    written = job.fmt.write(WriteJob(model, path, record, report, validate_converted, size, batches, job.log))
    job.log(f"  {precision:<8} {path}  max abs {written.worst_max_abs:.2e}, PSNR {written.worst_psnr_db:.1f} dB")
    return path
