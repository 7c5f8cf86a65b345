"""OpenVINO runner for our ONNX files on CPU: fp32 (or bf16 by precision hint), fp16 files, QDQ INT8 files.

OpenVINO's ONNX frontend cannot convert our ``ugatit.AdaILN`` / ``ugatit.ILN`` local functions, so the
file is read with their bodies inlined. Latency is best with static shapes: each batch shape is compiled
once, in ``stage`` (untimed), and ``execute`` only runs the infer request. The inference precision hint is
always set explicitly: on BF16-capable CPUs OpenVINO's default would silently run fp32 files in bf16.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.errors import UnavailableError
from ..core.limits import Limits
from ..core.optional import openvino
from ..core.precisions import INT8_PRECISIONS
from ..formats.onnx import ONNX
from .base import (
    Availability,
    Backend,
    BackendError,
    BackendInfo,
    artifact_record,
    check_file,
    check_hashes,
    check_input_dims,  # fmt: skip
)

if TYPE_CHECKING:
    import openvino as ov

DEVICE = "CPU"
PRECISIONS = ("fp32", "bf16")  # inference_precision: compute precision of float graphs
HINTS = {"fp32": "f32", "bf16": "bf16"}


@dataclass
class _Compiled:
    """One static-shape compilation: the compiled model, its infer request and its output ports."""

    compiled: Any
    request: Any
    outputs: dict[str, Any]


@dataclass
class _Staged:
    entry: _Compiled
    tensor: Any  # ov.Tensor sharing ``images``' memory
    images: np.ndarray  # keeps the shared memory alive


def cpu_properties(threads: int | None, hint: str = "f32") -> dict[str, Any]:
    """The runner's CPU compile properties: latency hint, one stream, an explicit inference precision hint
    (``f32`` or ``bf16``) and ``threads`` inference threads where set (OpenVINO's choice otherwise)."""
    properties: dict[str, Any] = {
        "PERFORMANCE_HINT": "LATENCY",
        "NUM_STREAMS": 1,
        # int8 files: the Q/DQ pairs select OpenVINO's low-precision path; the rest runs in f32.
        "INFERENCE_PRECISION_HINT": hint,
    }
    if threads:
        properties["INFERENCE_NUM_THREADS"] = int(threads)
    return properties


def compile_cpu(core: ov.Core, model: ov.Model, threads: int | None, hint: str = "f32",
                cache_dir: Path | None = None) -> ov.CompiledModel:  # fmt: skip
    """An already-read (and, for static shapes, reshaped) ``ov.Model`` compiled by ``core`` for the CPU device
    with ``cpu_properties`` (and OpenVINO's compiled-model cache in ``cache_dir``). OpenVINO's errors pass
    through; it may fall back from bf16 to f32 silently."""
    properties = cpu_properties(threads, hint)
    if cache_dir is not None:
        properties["CACHE_DIR"] = str(cache_dir)
    return core.compile_model(model, DEVICE, properties)


_CORES: dict[int, tuple[ModuleType, Any]] = {}  # id(openvino module) -> (the module, its one Core)


def shared_core(runtime: ModuleType) -> ov.Core:
    """The process's one ``ov.Core``, for every runner and study. OpenVINO's CPU plugin gives the thread that
    compiles an alternate signal stack and hands back the previous one when its Core goes; with several Cores
    released out of order the main thread kept a freed stack, and the next Ctrl-C crashed the process
    (measured: SIGSEGV in ``kill`` after four Cores of a study were released)."""
    if id(runtime) not in _CORES:
        _CORES[id(runtime)] = (runtime, runtime.Core())  # the module is kept, so its id stays its own
    return _CORES[id(runtime)][1]


class OpenVinoBackend(Backend):
    """One OpenVINO CPU compilation per batch shape, latency hint, one stream, an explicit precision hint."""

    def __init__(self, onnx_path: str | os.PathLike[str], threads: int | None = None,
                 inference_precision: str | None = None,
                 cache_dir: str | os.PathLike[str] | None = None) -> None:  # fmt: skip
        self.path = check_file(onnx_path, "ONNX file")
        self.record = artifact_record(self.path, ONNX)
        file_precision = self.record.precision
        wanted = inference_precision or "fp32"
        if wanted not in PRECISIONS:
            raise BackendError(
                f"openvino inference_precision must be one of {', '.join(PRECISIONS)}, got {inference_precision!r}"
                " (int8 runs from an int8 / int8-cpu ONNX file)"
            )
        if wanted == "bf16" and file_precision != "fp32":
            raise BackendError(f"openvino bf16 runs fp32 ONNX files only; {self.path.name} is {file_precision}")
        self.threads, self.bf16, self.hint = threads, wanted == "bf16", HINTS[wanted]
        self.cache_dir = Path(cache_dir) if cache_dir else None  # OpenVINO's compiled-model cache (off if None)
        options: dict[str, Any] = {"threads": threads} if threads else {}
        options["latency_hint"] = True
        self.info = BackendInfo("openvino-cpu", "bf16" if self.bf16 else file_precision, self.path, options,
                                self.record.variant)  # fmt: skip
        self.core: Any = None
        self.model: Any = None
        self._compiled: dict[tuple[int, ...], _Compiled] = {}

    @property
    def _int8(self) -> bool:
        return self.record.precision in INT8_PRECISIONS

    def availability(self) -> Availability:
        try:
            ov = openvino()
        except UnavailableError as exc:
            return Availability.no(str(exc))
        try:
            core = shared_core(ov)
            if DEVICE not in core.available_devices:
                return Availability.no(f"OpenVINO {ov.__version__} sees no CPU device (it has: "
                                       f"{', '.join(core.available_devices) or 'none'})")  # fmt: skip
            capabilities = [str(c) for c in core.get_property(DEVICE, "OPTIMIZATION_CAPABILITIES")]
            name = str(core.get_property(DEVICE, "FULL_DEVICE_NAME")).strip()
        except Exception as exc:  # noqa: BLE001 - OpenVINO raises RuntimeError and its own types
            return Availability.no(f"OpenVINO cannot query the CPU: {_first_line(exc)}")
        reports = f"OpenVINO reports {', '.join(capabilities) or 'no optimization capabilities'}"
        if self.bf16 and "BF16" not in capabilities:
            return Availability.no(f"this CPU ({name}) has no native BF16: {reports}; "
                                   "bf16 needs AVX512_BF16 or AMX")  # fmt: skip
        if self._int8 and "INT8" not in capabilities:
            return Availability.no(f"this CPU ({name}) has no INT8 support: {reports}; run an fp32 or fp16 file")
        return Availability.yes()

    def load(self) -> None:
        self.require_available()
        import onnx

        from ..core.onnx_contract import inline_norms

        check_hashes(self.path, self.record, ONNX)
        self.core = shared_core(openvino())
        try:
            inlined = inline_norms(onnx.load(str(self.path)))
            with tempfile.TemporaryDirectory(prefix="ugatit_openvino_", ignore_cleanup_errors=True) as tmp:
                path = Path(tmp) / self.path.name
                onnx.save(inlined, str(path))
                self.model = self.core.read_model(str(path))
        except Exception as exc:  # noqa: BLE001 - onnx and OpenVINO raise their own exception types
            raise BackendError(f"openvino cannot read {self.path.name}: {_first_line(exc)}") from None
        self._check_graph()
        self._compiled = {}

    def _check_graph(self) -> None:
        """The graph's input and outputs, against its record and the limits (BackendError, LimitError)."""
        outputs = sorted({name for port in self.model.outputs for name in port.get_names()})
        missing = [name for name in self.record.io.output_names if name not in outputs]
        if len(self.model.inputs) != 1 or missing:
            self.model = None
            raise BackendError(
                f"{self.path.name} is not a U-GAT-IT generator graph: it needs one input and the "
                f"outputs its metadata names ({', '.join(missing)} missing; outputs {outputs})"
            )
        shape = self.model.input(0).get_partial_shape()
        if shape.rank.is_dynamic or shape.rank.get_length() != 4:
            self.model = None
            raise BackendError(f"{self.path.name}: the graph input must be N x 3 x H x W, got {shape}")
        self.input_shape = [dim.get_length() if dim.is_static else None for dim in shape]
        try:
            check_input_dims(self.input_shape, f"{self.path.name}: graph input", Limits.current())
        except Exception:
            self.model = None
            raise

    def accepts(self, shape: tuple[int, ...]) -> str | None:
        for axis, (want, got) in enumerate(zip(self.input_shape, shape, strict=True)):
            if want is not None and want != got:
                what = "batch" if axis == 0 else "size"
                return f"this ONNX has a static {what} of {want} (got {got}); re-export with dynamic axes"
        return None

    def _compile(self, shape: tuple[int, ...]) -> _Compiled:
        """The compiled model of one static input shape (compiled on first use, then cached)."""
        if shape in self._compiled:
            return self._compiled[shape]
        if len(shape) != 4 or shape[1] != 3:
            raise BackendError(f"expected a B x 3 x H x W batch, got shape {shape}")
        if reason := self.accepts(shape):
            raise BackendError(reason)
        ov = openvino()
        model = self.model.clone()
        try:
            model.reshape({model.input(0): ov.PartialShape(list(shape))})
            cache = self.cache_dir / "openvino_cache" if self.cache_dir is not None else None
            compiled = compile_cpu(self.core, model, self.threads, self.hint, cache)
        except Exception as exc:  # noqa: BLE001 - OpenVINO raises RuntimeError and its own types
            where = f"{self.path.name} for {list(shape)}"
            raise BackendError(f"openvino cannot compile {where}: {_first_line(exc)}") from None
        got = compiled.get_property("INFERENCE_PRECISION_HINT")
        got = got.get_type_name() if hasattr(got, "get_type_name") else str(got)
        if got != self.hint:  # OpenVINO falls back to f32 without a word where the CPU lacks bf16
            raise BackendError(f"OpenVINO compiled {self.path.name} in {got}, not {self.hint}, on this CPU")
        # A port can carry several tensor names (fp16 graphs name the Cast output too): index all of them.
        outputs = {name: port for port in compiled.outputs for name in sorted(port.get_names())}
        entry = _Compiled(compiled, compiled.create_infer_request(), outputs)
        self._compiled[shape] = entry
        return entry

    def stage(self, images: np.ndarray) -> Any:
        images = np.ascontiguousarray(images, dtype=np.float32)
        entry = self._compile(tuple(int(d) for d in images.shape))
        return _Staged(entry, openvino().Tensor(images, shared_memory=True), images)

    def execute(self, staged: Any) -> Any:
        request = staged.entry.request
        try:
            request.set_input_tensor(staged.tensor)
            request.start_async()  # start + wait: a synchronous run without wrapping the outputs in a dict
            request.wait()
        except Exception as exc:  # noqa: BLE001 - OpenVINO raises RuntimeError and its own types
            raise BackendError(f"openvino cannot run {self.path.name}: {_first_line(exc)}") from None
        return staged.entry

    def fetch(self, result: Any) -> np.ndarray:
        # The infer request reuses its output buffers on the next run: hand out a copy.
        return np.array(result.request.get_tensor(result.outputs["output"]).data, dtype=np.float32, copy=True)

    def run_outputs(self, images: np.ndarray) -> dict[str, np.ndarray]:
        entry = self.execute(self.stage(images))
        names = self.record.io.output_names
        return {
            name: np.array(entry.request.get_tensor(entry.outputs[name]).data, dtype=np.float32, copy=True)
            for name in names
        }

    @property
    def img_size(self) -> int:
        return self.record.model.img_size

    def close(self) -> None:
        self._compiled = {}
        self.model = None
        self.core = None


def _first_line(exc: Exception) -> str:
    """The first informative line of an OpenVINO error (its first lines only name C++ source files)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    useful = [line for line in lines if not re.match(r"(Exception from |Check '.*' failed at )", line)]
    return (useful or lines or [type(exc).__name__])[0]
