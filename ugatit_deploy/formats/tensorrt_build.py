"""ONNX -> TensorRT engine (plan file + metadata sidecar), one code path for TensorRT 10.x and 11.x.

TensorRT 11 is strongly typed only: precision comes from the ONNX (FP16 tensors, INT8 Q/DQ), and the
weak-typing builder flags are gone. 10.12+ can build strongly typed networks too (creation flag
STRONGLY_TYPED); older 10.x builds get FP16 / INT8 builder flags derived from the ONNX's precision.
The plan file is the raw serialized engine: metadata lives only in the sidecar.

Everything except ``build_engine`` is plain Python (profiles, flags, the trtexec line) and is tested
without TensorRT; ``import tensorrt`` happens only inside ``build_engine``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..core.errors import UgatitDeployError, UnavailableError
from ..core.fileio import atomic_output, file_sha256
from ..core.metadata import ArtifactRecord, TensorRtBuild, read_onnx_record, write_sidecar
from ..forms import get_form

Shape = tuple[int, ...]


class BuildError(UgatitDeployError):
    """An engine that cannot be built as asked."""


@dataclass(frozen=True)
class BuildOptions:
    batch: tuple[int, int, int] = (1, 1, 8)  # min, opt, max
    sizes: tuple[tuple[int, int], ...] | None = None  # (min, opt, max) H x W; default: img_size
    workspace_gib: float = 4.0
    timing_cache: Path | None = None
    opt_level: int = 3
    version_compatible: bool = False
    hardware_compat: str = "none"  # "none" | "ampere+"

    def __post_init__(self) -> None:
        low, opt, high = self.batch
        if not 1 <= low <= opt <= high:
            raise BuildError(f"--batch needs 1 <= min <= opt <= max, got {low},{opt},{high}")
        if not 0 <= self.opt_level <= 5:
            raise BuildError(f"--opt-level must be 0-5, got {self.opt_level}")
        if self.hardware_compat not in ("none", "ampere+"):
            raise BuildError(f"--hardware-compat must be none or ampere+, got {self.hardware_compat!r}")
        if self.workspace_gib <= 0:
            raise BuildError(f"--workspace must be > 0 GiB, got {self.workspace_gib}")


@dataclass(frozen=True)
class Profile:
    """One optimization profile of the single input."""

    name: str
    min: Shape
    opt: Shape
    max: Shape

    def as_dict(self) -> dict[str, list[int]]:
        return {"min": list(self.min), "opt": list(self.opt), "max": list(self.max)}


def parse_sizes(text: str) -> tuple[tuple[int, int], ...]:
    """``"256x256"`` or ``"128x128,256x256,512x512"`` (min,opt,max) -> ((h, w), (h, w), (h, w))."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) not in (1, 3) or not all(re.fullmatch(r"\d+x\d+", p) for p in parts):
        raise BuildError(f"--shape must be HxW or MINHxW,OPTHxW,MAXHxW, got {text!r}")
    sizes = [tuple(int(v) for v in p.split("x")) for p in parts]
    return tuple(sizes * 3 if len(sizes) == 1 else sizes)  # type: ignore[return-value]


PLAN_SUFFIX = ".plan"
PLAN_KIND = "tensorrt-plan"  # the sidecar kind of a plan


def engine_path(onnx: str | os.PathLike[str], engine: str | os.PathLike[str] | None = None) -> Path:
    """``build``'s plan file: ``engine`` if given, else the ONNX file's name with ``.plan``."""
    return Path(engine) if engine is not None else Path(onnx).with_suffix(PLAN_SUFFIX)


def make_profile(record: ArtifactRecord, options: BuildOptions) -> Profile:
    """The optimization profile for a model's input; rejects shapes the model cannot take."""
    size = record.model.img_size
    input_shape = record.io.input.shape
    dynamic_batch = record.io.input.dynamic_batch
    if not dynamic_batch and options.batch != (1, 1, 1) and options.batch != BuildOptions().batch:
        raise BuildError(
            f"this ONNX was exported with a static batch of {input_shape[0]}: rebuild it with --dynamic-batch"
        )
    batch = options.batch if dynamic_batch else (int(input_shape[0]),) * 3
    sizes = options.sizes or ((size, size),) * 3
    for h, w in sizes:
        if h % 4 or w % 4 or h < 8 or w < 8:
            raise BuildError(f"shape {h}x{w}: U-GAT-IT needs H and W multiples of 4 and at least 8")
        if not record.model.light and (h, w) != (size, size):
            raise BuildError(f"a full (non-light) model only takes {size}x{size}; --shape asked for {h}x{w}")
    (h0, w0), (h1, w1), (h2, w2) = sizes
    if not (h0 <= h1 <= h2 and w0 <= w1 <= w2):
        raise BuildError("--shape needs min <= opt <= max in both H and W")
    name = record.io.input.name
    return Profile(name, (batch[0], 3, h0, w0), (batch[1], 3, h1, w1), (batch[2], 3, h2, w2))


def typing_mode(precision: str, version: str) -> tuple[bool, list[str]]:
    """(strongly typed?, weak-typing builder flags) for an ONNX precision on a TensorRT version."""
    major, minor = (int(v) for v in version.split(".")[:2])
    if major >= 11 or (major == 10 and minor >= 12):
        return True, []
    return False, list(get_form(precision).trt_weak_flags)


def _exact_fp32(precision: str) -> bool:
    """Whether a form computes in float32 and is judged by max abs error: TF32 convolutions would break it."""
    form = get_form(precision)
    return form.kernel == "fp32" and form.gate.max_abs is not None


def trtexec_command(onnx_path: Path, engine_path: Path, profile: Profile, options: BuildOptions,
                    precision: str, version: str) -> str:  # fmt: skip
    """The trtexec line that builds the same engine."""

    def dims(shape: Shape) -> str:
        return f"{profile.name}:{'x'.join(map(str, shape))}"

    strongly_typed, flags = typing_mode(precision, version)
    parts = [
        "trtexec", f"--onnx={onnx_path}", f"--saveEngine={engine_path}",
        f"--minShapes={dims(profile.min)}", f"--optShapes={dims(profile.opt)}", f"--maxShapes={dims(profile.max)}",
        f"--memPoolSize=workspace:{int(options.workspace_gib * 1024)}M",
        f"--builderOptimizationLevel={options.opt_level}",
    ]  # fmt: skip
    major = int(version.split(".")[0])
    if strongly_typed and major < 11:
        parts.append("--stronglyTyped")  # 11.x is always strongly typed
    parts += [f"--{flag.lower()}" for flag in flags]
    if _exact_fp32(precision):
        parts.append("--noTF32")
    if options.timing_cache:
        parts.append(f"--timingCacheFile={options.timing_cache}")
    if options.version_compatible:
        parts.append("--versionCompatible")
    if options.hardware_compat == "ampere+":
        parts.append("--hardwareCompatibilityLevel=ampere+")
    return " ".join(parts)


def _import_tensorrt():
    try:
        import tensorrt as trt  # noqa: PLC0415 - lazy by design
    except ImportError:
        raise UnavailableError(
            "TensorRT is not installed: `pip install ugatit-deploy[tensorrt]` on a machine with an NVIDIA GPU "
            "(or use --dry-run to print the trtexec command)"
        ) from None
    return trt


def _gpu() -> dict[str, Any]:
    try:
        import torch

        if torch.cuda.is_available():
            major, minor = torch.cuda.get_device_capability(0)
            return {"name": torch.cuda.get_device_name(0), "compute_capability": f"{major}.{minor}"}
    except Exception:  # noqa: BLE001 - report as "no GPU" below
        pass
    raise UnavailableError("no CUDA GPU is visible: TensorRT engines are built on the GPU that will run them")


@dataclass(frozen=True)
class BuildResult:
    engine: Path
    sidecar: Path
    trtexec: str
    record: ArtifactRecord


def build_engine(onnx_path: Path, engine: Path | None = None, options: BuildOptions = BuildOptions(),
                 log: Callable[[str], None] = print) -> BuildResult:  # fmt: skip
    """Build a TensorRT engine from one of our ONNX files; write the plan and its sidecar atomically."""
    if not onnx_path.is_file():
        raise BuildError(f"ONNX file not found: {onnx_path}")
    record = read_onnx_record(onnx_path)
    profile = make_profile(record, options)
    target = engine_path(onnx_path, engine)
    trt = _import_tensorrt()
    gpu = _gpu()
    version = trt.__version__
    strongly_typed, flags = typing_mode(record.precision, version)

    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    creation = 0
    strong_flag = getattr(trt.NetworkDefinitionCreationFlag, "STRONGLY_TYPED", None)
    if strongly_typed and strong_flag is not None:
        creation |= 1 << int(strong_flag)
    network = builder.create_network(creation)
    parser = trt.OnnxParser(network, logger)
    if not parser.parse_from_file(str(onnx_path)):
        errors = [str(parser.get_error(i).desc()) for i in range(parser.num_errors)]
        raise BuildError(f"TensorRT {version} cannot parse {onnx_path.name}: {'; '.join(errors) or 'unknown error'}")

    config = builder.create_builder_config()
    config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, int(options.workspace_gib * (1 << 30)))
    config.builder_optimization_level = options.opt_level
    for flag in flags:
        config.set_flag(getattr(trt.BuilderFlag, flag))
    if _exact_fp32(record.precision) and hasattr(trt.BuilderFlag, "TF32"):
        config.clear_flag(trt.BuilderFlag.TF32)  # TF32 convolutions would break FP32 parity
    if options.version_compatible:
        config.set_flag(trt.BuilderFlag.VERSION_COMPATIBLE)
    if options.hardware_compat == "ampere+":
        config.hardware_compatibility_level = trt.HardwareCompatibilityLevel.AMPERE_PLUS
    optimization = builder.create_optimization_profile()
    optimization.set_shape(profile.name, profile.min, profile.opt, profile.max)
    config.add_optimization_profile(optimization)
    cache_bytes = options.timing_cache.read_bytes() if options.timing_cache and options.timing_cache.exists() else b""
    config.set_timing_cache(config.create_timing_cache(cache_bytes), False)
    config.progress_monitor = _progress_monitor(trt, log)

    log(f"building {target.name} with TensorRT {version} on {gpu['name']} (sm {gpu['compute_capability']})")
    serialized = builder.build_serialized_network(network, config)
    if serialized is None:
        raise BuildError(f"TensorRT {version} failed to build {onnx_path.name} (see the log above)")
    with atomic_output(target) as handle:
        handle.write(bytes(serialized))
    if options.timing_cache:
        with atomic_output(options.timing_cache) as handle:
            handle.write(bytes(config.get_timing_cache().serialize()))

    command = trtexec_command(onnx_path, target, profile, options, record.precision, version)
    build = TensorRtBuild(
        version=version, gpu=gpu["name"], compute_capability=gpu["compute_capability"],
        strongly_typed=strongly_typed, builder_flags=tuple(flags),
        profile={key: tuple(shape) for key, shape in profile.as_dict().items()}, opt_level=options.opt_level,
        version_compatible=options.version_compatible, hardware_compat=options.hardware_compat,
        onnx=onnx_path.name, onnx_sha256=file_sha256(onnx_path), trtexec=command,
    )  # fmt: skip
    engine_record = replace(record, kind=PLAN_KIND, validation=None, tensorrt=build, file=None, sha256=None,
                            size_bytes=None)  # fmt: skip
    engine_record = engine_record.describing(target)
    return BuildResult(target, write_sidecar(engine_record, target), command, engine_record)


def _progress_monitor(trt: Any, log: Callable[[str], None]) -> Any:
    """A trt.IProgressMonitor that logs each top-level phase as it starts and finishes."""

    class _Monitor(trt.IProgressMonitor):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            trt.IProgressMonitor.__init__(self)

        def phase_start(self, phase_name: str, parent_phase: str | None, num_steps: int) -> None:
            if parent_phase is None:
                log(f"  {phase_name} ({num_steps} steps)")

        def step_complete(self, phase_name: str, step: int) -> bool:
            return True  # returning False would cancel the build

        def phase_finish(self, phase_name: str) -> None:
            pass

    return _Monitor()


def assumed_version() -> str:
    """TensorRT version for --dry-run: the installed one, else 11.0 (current major)."""
    try:
        import tensorrt as trt  # noqa: PLC0415

        return str(trt.__version__)
    except ImportError:
        return os.environ.get("UGATIT_TRT_VERSION", "11.0")
