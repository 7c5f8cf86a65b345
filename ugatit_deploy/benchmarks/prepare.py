"""Bench stage 2, the artifacts: the files the asked-for backends run, given (--onnx, --engine) or made here
(ONNX exported into OUT/onnx, TensorRT plans built into OUT/engines).

A file that cannot be made becomes an ``Artifact`` without a path whose ``problem`` says why (export
failed, TensorRT unavailable, build failed): the plan turns it into records instead of stopping the run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from ..artifacts import FORMATS, bench_engine_path, onnx_folder
from ..backends import BACKENDS
from ..errors import UgatitDeployError, UnavailableError
from ..export.int8_options import Int8Options
from ..metadata import artifact_variant, read_onnx_record, read_sidecar
from ..precisions import INT8_PRECISIONS
from .plan import SYMMETRIC_INT8_ONLY, Artifact, PreparedArtifacts, tensorrt_takes
from .records import FAILED, UNAVAILABLE, UNSUPPORTED
from .settings import BenchSettings

UNKNOWN_PRECISION = "?"  # a file whose metadata cannot be read: its runner will say what is wrong


def describe(path: Path, kind: str) -> Artifact:
    """An existing file with the precision and variant its metadata records."""
    try:
        record = read_onnx_record(path) if kind == "onnx" else read_sidecar(path) if kind != "checkpoint" else {}
    except (UgatitDeployError, OSError):
        return Artifact(kind, path, UNKNOWN_PRECISION)
    return Artifact(kind, path, str(record.get("precision", "fp32")), artifact_variant(record))


def export_onnx(settings: BenchSettings, log: Callable[[str], None], fmt: str = "onnx") -> list[Artifact]:
    """Our own files (``fmt``: ONNX or a runtime's format), one export per precision, so one failing precision
    does not stop the others."""
    from ..export import export_checkpoint
    from ..export.pipeline import FORMAT_PRECISIONS

    folder = onnx_folder(settings.out)
    artifacts = []
    for precision in (p for p in settings.export_precisions if p in FORMAT_PRECISIONS[fmt]):
        int8 = settings.int8 if precision in INT8_PRECISIONS else Int8Options()  # export refuses them elsewhere
        try:
            paths = export_checkpoint(settings.checkpoint, settings.direction, folder, (precision,), int8=int8, log=log,
                                      fmt=fmt)  # fmt: skip
        except UnavailableError as exc:
            artifacts.append(Artifact(fmt, None, precision, problem=(UNAVAILABLE, str(exc))))
        except UgatitDeployError as exc:
            artifacts.append(Artifact(fmt, None, precision, problem=(FAILED, f"export: {exc}")))
        else:
            artifacts += [describe(path, fmt) for path in paths]
    return artifacts


def build_engines(onnx: Sequence[Artifact], size: int, settings: BenchSettings,
                  log: Callable[[str], None]) -> list[Artifact]:  # fmt: skip
    """A TensorRT plan of each ONNX file TensorRT takes, for the benchmarked batch sizes and image size."""
    from ..export.tensorrt_build import BuildOptions, build_engine

    options = BuildOptions(batch=(1, 1, max(settings.batches)), sizes=((size, size),) * 3)
    engines = []
    for artifact in onnx:
        if artifact.problem is not None or artifact.path is None:
            engines.append(replace(artifact, kind="engine"))
        elif not tensorrt_takes(artifact.precision):
            engines.append(replace(artifact, kind="engine", path=None, problem=(UNSUPPORTED, SYMMETRIC_INT8_ONLY)))
        else:
            try:
                result = build_engine(artifact.path, bench_engine_path(settings.out, artifact.path), options, log=log)
            except UgatitDeployError as exc:
                engines.append(replace(artifact, kind="engine", path=None, problem=(FAILED, f"build: {exc}")))
            else:
                engines.append(describe(result.engine, "engine"))
    return engines


def prepare_artifacts(settings: BenchSettings, size: int, log: Callable[[str], None] = print) -> PreparedArtifacts:
    """The checkpoint, ONNX files, TensorRT plans and runtime files (.mnn) the asked-for backends run (by
    ``BackendSpec.runs``). ``--onnx`` may also name .mnn and .ncnn.param files."""
    from ..backends.tensorrt_runner import tensorrt_unavailable_reason

    kinds = {BACKENDS[name].runs for name in settings.backends}
    build = "engine" in kinds and not settings.engines
    no_tensorrt = tensorrt_unavailable_reason() if build else None
    items: list[Artifact] = []
    if "checkpoint" in kinds:
        items.append(Artifact("checkpoint", settings.checkpoint, "fp32"))
    onnx: list[Artifact] = []
    if "onnx" in kinds or (build and no_tensorrt is None):
        given = [path for path in settings.onnx if path.name.endswith(FORMATS["onnx"])]
        onnx = [describe(path, "onnx") for path in given] if settings.onnx else export_onnx(settings, log)
    items += onnx
    if "engine" in kinds:
        if not build:
            items += [describe(path, "engine") for path in settings.engines]
        elif no_tensorrt is not None:
            items.append(Artifact("engine", None, "-", problem=(UNAVAILABLE, no_tensorrt)))
        else:
            items += build_engines(onnx, size, settings, log)
    for fmt in sorted(kinds & {"mnn", "ncnn"}):  # runtimes with their own format, converted from the validated ONNX
        given = [path for path in settings.onnx if path.name.endswith(FORMATS[fmt])]
        items += [describe(path, fmt) for path in given] if settings.onnx else export_onnx(settings, log, fmt)
    return PreparedArtifacts(tuple(items))
