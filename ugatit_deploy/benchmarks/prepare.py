"""Bench stage 2, the artifacts: the files the asked-for backends run, given (--onnx, --engine) or made here
(exported into OUT/onnx in each format the backends run, TensorRT plans built into OUT/engines from the
exported ONNX files). What a file is, and how it is made, comes from its format (``formats.FORMATS``).

A file that cannot be made becomes an ``Artifact`` without a path whose ``problem`` says why (export
failed, a runtime unavailable, build failed): the plan turns it into records instead of stopping the run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..backends import BACKENDS
from ..checkpoint import checkpoint_sha256
from ..core.artifacts import engine_folder, onnx_folder
from ..core.errors import UgatitDeployError, UnavailableError
from ..core.progress import above, progress_bar
from ..formats import CHECKPOINT, FORMATS, ArtifactFormat, read_record
from ..formats.onnx import ONNX
from ..formats.tensorrt_plan import TENSORRT_PLAN
from ..forms import FORMS, REFERENCE_FORM
from ..forms.transforms.int8_options import Int8Options
from .plan import Artifact, PreparedArtifacts, tensorrt_takes
from .records import FAILED, UNAVAILABLE, UNSUPPORTED
from .settings import BenchSettings

if TYPE_CHECKING:
    from ..formats.tensorrt_build import BuildOptions

UNKNOWN_PRECISION = "?"  # a file whose metadata cannot be read: its runner will say what is wrong


def describe(path: Path, fmt: ArtifactFormat) -> Artifact:
    """An existing file with the precision and variant its metadata records."""
    try:
        record = read_record(path, fmt)
    except (UgatitDeployError, OSError):
        return Artifact(fmt.name, path, UNKNOWN_PRECISION)
    return Artifact(fmt.name, path, record.precision, record.variant)


def reusable(path: Path, checkpoint: Path, int8: Int8Options, fmt: ArtifactFormat = ONNX) -> bool:
    """Whether ``path`` is an intact export of this very checkpoint (its record says so) and, for a form that
    takes the INT8 recipe, quantized with the recipe ``int8`` asks for (a release that changes the recipe
    exports again)."""
    try:
        record = read_record(path, fmt)
        form = FORMS[record.precision]
        same_source = record.source.sha256 == checkpoint_sha256(checkpoint)
        same_source = same_source and record.sha256 == fmt.content_sha256(path)
    except (UgatitDeployError, OSError, KeyError):
        return False
    quantization = record.quantization
    recipe = form.recipe(int8.recipe).describe() if form.float_layers else ""  # type: ignore[attr-defined]
    return same_source and (not recipe or (quantization is not None and quantization.calibration.endswith(recipe)))


def export_artifacts(settings: BenchSettings, log: Callable[[str], None], fmt: ArtifactFormat = ONNX,
                     progress: bool = False) -> list[Artifact]:  # fmt: skip
    """Our own files of one format, one export per form the format takes, so one failing form does not stop
    the others. Each comes from the export cache (``export.cache``: made there once per checkpoint, form,
    options and versions) and is copied into OUT/onnx. ``progress``: a bar over the forms (on a terminal)."""
    precisions = [p for p in settings.export_precisions if p in fmt.precisions]
    enabled = progress and len(precisions) > 1
    with progress_bar(precisions, desc=f"exporting {fmt.name}", unit="file", enabled=enabled) as bar:
        write = above(bar, log)
        return [artifact for precision in bar for artifact in _export(settings, fmt, precision, write)]


def _int8_options(asked: Int8Options, precision: str) -> Int8Options:
    """What of the INT8 options a form's export takes: all of them (forms with float layers), the calibration
    images only (other calibrated forms, e.g. fp32-int8x3's ranges), or none (export refuses them elsewhere)."""
    form = FORMS[precision]
    if form.float_layers:
        return asked
    return Int8Options(calib=asked.calib, calib_images=asked.calib_images) if form.calibrated else Int8Options()


def _export(settings: BenchSettings, fmt: ArtifactFormat, precision: str, log: Callable[[str], None]) -> list[Artifact]:
    """One form's files of one format (from the export cache, or an Artifact without a path that says why not)."""
    from ..core.cache import copy_files
    from ..export.cache import cached_export

    int8 = _int8_options(settings.int8, precision)
    try:
        files = cached_export(settings.checkpoint, settings.direction, precision, fmt, int8, log)
        paths = copy_files(files, onnx_folder(settings.out))[:1]
    except UnavailableError as exc:
        return [Artifact(fmt.name, None, precision, problem=(UNAVAILABLE, str(exc)))]
    except UgatitDeployError as exc:
        return [Artifact(fmt.name, None, precision, problem=(FAILED, f"export: {exc}"))]
    return [describe(path, fmt) for path in paths]


def build_engines(onnx: Sequence[Artifact], size: int, settings: BenchSettings, log: Callable[[str], None],
                  progress: bool = False) -> list[Artifact]:  # fmt: skip
    """A TensorRT plan of each ONNX file TensorRT takes, for the benchmarked batch sizes and image size.
    ``progress``: a bar over the files (on a terminal)."""
    from ..formats.tensorrt_build import BuildOptions

    options = BuildOptions(batch=(1, 1, max(settings.batches)), sizes=((size, size),) * 3)
    with progress_bar(onnx, desc="building TensorRT plans", unit="plan", enabled=progress) as bar:
        write = above(bar, log)
        return [_build(artifact, options, settings, write) for artifact in bar]


def _build(artifact: Artifact, options: BuildOptions, settings: BenchSettings, log: Callable[[str], None]) -> Artifact:
    """One ONNX file's TensorRT plan, or an Artifact without a path that says why there is none."""
    from ..formats.tensorrt_build import build_engine

    kind = TENSORRT_PLAN.name
    if artifact.problem is not None or artifact.path is None:
        return replace(artifact, kind=kind)
    if not tensorrt_takes(artifact.precision):
        refusal = (UNSUPPORTED, FORMS[artifact.precision].not_for_tensorrt)
        return replace(artifact, kind=kind, path=None, problem=refusal)
    target = engine_folder(settings.out) / f"{artifact.path.stem}{TENSORRT_PLAN.suffixes[0]}"
    try:
        result = build_engine(artifact.path, target, options, log=log)
    except UgatitDeployError as exc:
        return replace(artifact, kind=kind, path=None, problem=(FAILED, f"build: {exc}"))
    return describe(result.engine, TENSORRT_PLAN)


def _plans(settings: BenchSettings, onnx: list[Artifact], size: int, log: Callable[[str], None],
           progress: bool) -> list[Artifact]:  # fmt: skip
    """The plans: those given, else built from the ONNX files when TensorRT is here."""
    if settings.engines:
        return [describe(path, TENSORRT_PLAN) for path in settings.engines]
    if reason := TENSORRT_PLAN.unavailable_reason():
        return [Artifact(TENSORRT_PLAN.name, None, "-", problem=(UNAVAILABLE, reason))]
    return build_engines(onnx, size, settings, log, progress)


def prepare_artifacts(settings: BenchSettings, size: int, log: Callable[[str], None] = print,
                      progress: bool = False) -> PreparedArtifacts:  # fmt: skip
    """The checkpoint and the files of each format the asked-for backends run (``BackendSpec.runs``).
    ``--onnx`` may name files of any format (.onnx, .mnn, .ncnn.param); plans come from ``--engine`` or are
    built from the ONNX files. ``progress``: bars over the exports and builds (on a terminal)."""
    kinds = {BACKENDS[name].runs for name in settings.backends}
    build = TENSORRT_PLAN.name in kinds and not settings.engines and TENSORRT_PLAN.unavailable_reason() is None
    items: list[Artifact] = []
    if CHECKPOINT in kinds:
        items.append(Artifact(CHECKPOINT, settings.checkpoint, REFERENCE_FORM))
    onnx: list[Artifact] = []
    for fmt in FORMATS.values():
        if fmt is TENSORRT_PLAN:
            if fmt.name in kinds:
                items += _plans(settings, onnx, size, log, progress)
            continue
        if fmt.name not in kinds and not (fmt is ONNX and build):
            continue
        given = [path for path in settings.onnx if fmt.recognises(path)]
        given_files = [describe(path, fmt) for path in given]
        made = given_files if settings.onnx else export_artifacts(settings, log, fmt, progress)
        onnx = made if fmt is ONNX else onnx
        items += made
    return PreparedArtifacts(tuple(items))
