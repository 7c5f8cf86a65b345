"""OpenVINO runner for our ONNX files on CPU: fp32 or bf16 compute (precision hint) of fp32 and QDQ INT8 files,
fp16 files; latency hint (one stream, one request per batch) or throughput hint (parallel requests).

OpenVINO's ONNX frontend cannot convert our ``ugatit.AdaILN`` / ``ugatit.ILN`` local functions, so the
file is read with their bodies inlined. Latency is best with static shapes: each batch shape is compiled
once, in ``stage`` (untimed), and ``execute`` only runs the infer request. The inference precision hint is
always set explicitly: on BF16-capable CPUs OpenVINO's default would silently run fp32 files in bf16. On an
INT8 file the bf16 hint leaves the quantized convolutions in INT8 and runs the layers kept in float in BF16.

The throughput hint lets OpenVINO pick the streams; a batch of B images runs as jobs of equal slices of the
batch over an ``AsyncInferQueue`` of the requests OpenVINO asks for (``openvino_cpu.job_size``), the slice shape
compiled once in ``stage``. Batch 1 is the latency mode's: the throughput runner declines it (``accepts``).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..core.cpu_caps import bf16_unavailable_reason
from ..core.errors import UnavailableError
from ..core.limits import Limits
from ..core.optional import openvino
from ..formats.onnx import ONNX
from ..forms import FORMS, join_hints, kernel_of
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
from .openvino_cpu import DEVICE, HINTS, compile_cpu, compiled_hint, first_line, job_size, shared_core

__all__ = ["OpenVinoBackend", "compile_cpu", "shared_core"]  # the studies compile with the runner's properties

PRECISIONS = tuple(HINTS)  # inference_precision: compute precision of the float layers
DEFAULT_PRECISION = PRECISIONS[0]  # f32: the file's own arithmetic
THROUGHPUT_BATCH_1 = ("the throughput hint runs a batch as parallel infer requests: batch 1 is the latency "
                      "mode's (use a batch of 2 or more)")  # fmt: skip


@dataclass
class _Compiled:
    """One static-shape compilation: the compiled model, its output ports, and either one infer request
    (latency) or a queue of parallel ones (throughput)."""

    compiled: Any
    outputs: dict[str, Any]
    request: Any = None
    queue: Any = None  # ov.AsyncInferQueue
    requests: int = 1  # OpenVINO's OPTIMAL_NUMBER_OF_INFER_REQUESTS


@dataclass
class _Staged:
    entry: _Compiled
    images: np.ndarray  # keeps the shared memory alive
    jobs: list[tuple[int, Any]]  # (first image, ov.Tensor sharing ``images``' memory) per infer request run
    results: dict[str, np.ndarray] = field(default_factory=dict)  # throughput: the batch's outputs, per job


class OpenVinoBackend(Backend):
    """One OpenVINO CPU compilation per batch (or job) shape, an explicit precision hint, latency hint with
    one stream or throughput hint with OpenVINO's streams."""

    def __init__(self, onnx_path: str | os.PathLike[str], threads: int | None = None,
                 inference_precision: str | None = None, cache_dir: str | os.PathLike[str] | None = None,
                 throughput: bool = False) -> None:  # fmt: skip
        self.path = check_file(onnx_path, "ONNX file")
        self.record = artifact_record(self.path, ONNX)
        form = self.record.precision
        wanted = inference_precision or DEFAULT_PRECISION
        if wanted not in PRECISIONS:
            raise BackendError(
                f"openvino inference_precision must be one of {', '.join(PRECISIONS)}, got {inference_precision!r}"
                " (int8 runs from an int8 / int8-cpu ONNX file)"
            )
        hints = [name for name, asked in ((wanted, wanted != DEFAULT_PRECISION), ("throughput", throughput)) if asked]
        if form in FORMS and (refused := [h for h in hints if h not in FORMS[form].computes]):
            takes = [name for name, f in FORMS.items() if refused[0] in f.computes]
            raise BackendError(f"openvino {refused[0]} runs {', '.join(takes)} ONNX files only; {self.path.name} is "
                               f"{form}")  # fmt: skip
        self.threads, self.bf16, self.hint = threads, wanted != DEFAULT_PRECISION, HINTS[wanted]
        self.throughput = bool(throughput)
        self.cache_dir = Path(cache_dir) if cache_dir else None  # OpenVINO's compiled-model cache (off if None)
        self.info = self._describe(join_hints(hints))
        self.core: Any = None
        self.model: Any = None
        self._compiled: dict[tuple[int, ...], _Compiled] = {}

    def _describe(self, compute: str) -> BackendInfo:
        """The file's form and the hints applied (``forms.label`` names the run: an fp32 file computed in bf16
        is ``bf16``; an INT8 file keeps its name and gate, with ``+bf16`` after its variant)."""
        options: dict[str, Any] = {"threads": self.threads} if self.threads else {}
        if self.bf16:
            options["inference_precision"] = "bf16"
        options["throughput_hint" if self.throughput else "latency_hint"] = True
        return BackendInfo("openvino-cpu", self.record.precision, self.path, options, self.record.variant, compute)

    @property
    def _int8(self) -> bool:
        return kernel_of(self.record.precision) == "int8"

    def availability(self) -> Availability:
        try:
            ov = openvino()
        except UnavailableError as exc:
            return Availability.no(str(exc))
        if self.bf16 and (reason := bf16_unavailable_reason()):  # a cap: OpenVINO would fail inside, not say so
            return Availability.no(reason)
        try:
            core = shared_core(ov)
            if DEVICE not in core.available_devices:
                return Availability.no(f"OpenVINO {ov.__version__} sees no CPU device (it has: "
                                       f"{', '.join(core.available_devices) or 'none'})")  # fmt: skip
            capabilities = [str(c) for c in core.get_property(DEVICE, "OPTIMIZATION_CAPABILITIES")]
            name = str(core.get_property(DEVICE, "FULL_DEVICE_NAME")).strip()
        except Exception as exc:  # noqa: BLE001 - OpenVINO raises RuntimeError and its own types
            return Availability.no(f"OpenVINO cannot query the CPU: {first_line(exc)}")
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
            raise BackendError(f"openvino cannot read {self.path.name}: {first_line(exc)}") from None
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
        if self.throughput and shape[0] == 1:
            return THROUGHPUT_BATCH_1
        if self.throughput and self.input_shape[0] is not None:
            return (f"this ONNX has a static batch of {self.input_shape[0]}: the throughput hint splits a batch "
                    "into parallel requests; re-export with dynamic axes")  # fmt: skip
        for axis, (want, got) in enumerate(zip(self.input_shape, shape, strict=True)):
            if want is not None and want != got:
                what = "batch" if axis == 0 else "size"
                return f"this ONNX has a static {what} of {want} (got {got}); re-export with dynamic axes"
        return None

    def _compile(self, shape: tuple[int, ...]) -> _Compiled:
        """The compiled model of one static input shape (compiled on first use, then cached)."""
        if shape in self._compiled:
            return self._compiled[shape]
        ov = openvino()
        model = self.model.clone()
        try:
            model.reshape({model.input(0): ov.PartialShape(list(shape))})
            cache = self.cache_dir / "openvino_cache" if self.cache_dir is not None else None
            compiled = compile_cpu(self.core, model, self.threads, self.hint, cache, self.throughput)
        except Exception as exc:  # noqa: BLE001 - OpenVINO raises RuntimeError and its own types
            where = f"{self.path.name} for {list(shape)}"
            raise BackendError(f"openvino cannot compile {where}: {first_line(exc)}") from None
        if (got := compiled_hint(compiled)) != self.hint:  # OpenVINO falls back to f32 silently without bf16
            raise BackendError(f"OpenVINO compiled {self.path.name} in {got}, not {self.hint}, on this CPU")
        # A port can carry several tensor names (fp16 graphs name the Cast output too): index all of them.
        outputs = {name: port for port in compiled.outputs for name in sorted(port.get_names())}
        if self.throughput:
            requests = max(1, int(compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS")))
            entry = _Compiled(compiled, outputs, queue=ov.AsyncInferQueue(compiled, requests), requests=requests)
        else:
            entry = _Compiled(compiled, outputs, request=compiled.create_infer_request())
        self._compiled[shape] = entry
        return entry

    def stage(self, images: np.ndarray) -> Any:
        images = np.ascontiguousarray(images, dtype=np.float32)
        shape = tuple(int(d) for d in images.shape)
        if len(shape) != 4 or shape[1] != 3:
            raise BackendError(f"expected a B x 3 x H x W batch, got shape {shape}")
        if reason := self.accepts(shape):
            raise BackendError(reason)
        tensor = openvino().Tensor
        if not self.throughput:
            return _Staged(self._compile(shape), images, [(0, tensor(images, shared_memory=True))])
        # One image's compilation tells how many requests OpenVINO runs in parallel; the jobs' shape follows.
        size = job_size(shape[0], self._compile((1, *shape[1:])).requests)
        entry = self._compile((size, *shape[1:]))
        jobs = [(start, tensor(images[start : start + size], shared_memory=True)) for start in range(0, shape[0], size)]
        results = {name: np.empty((shape[0], *entry.outputs[name].get_shape()[1:]), np.float32)
                   for name in self.record.io.output_names}  # fmt: skip
        return _Staged(entry, images, jobs, results)

    def execute(self, staged: Any) -> Any:
        entry = staged.entry
        try:
            if entry.queue is None:
                entry.request.set_input_tensor(staged.jobs[0][1])
                entry.request.start_async()  # start + wait: a synchronous run without wrapping the outputs in a dict
                entry.request.wait()
            else:
                entry.queue.set_callback(lambda request, start: self._keep(staged, request, start))
                for start, tensor in staged.jobs:
                    entry.queue.start_async(tensor, start)
                entry.queue.wait_all()
        except Exception as exc:  # noqa: BLE001 - OpenVINO raises RuntimeError and its own types
            raise BackendError(f"openvino cannot run {self.path.name}: {first_line(exc)}") from None
        return staged

    @staticmethod
    def _keep(staged: _Staged, request: Any, start: int) -> None:
        """A finished job's outputs into the batch's (the request's buffers serve its next job)."""
        for name, result in staged.results.items():
            data = request.get_tensor(staged.entry.outputs[name]).data
            result[start : start + len(data)] = data

    def _output(self, staged: _Staged, name: str) -> np.ndarray:
        # The infer request reuses its output buffers on the next run (and so do the results): hand out a copy.
        entry = staged.entry
        data = staged.results[name] if entry.queue is not None else entry.request.get_tensor(entry.outputs[name]).data
        return np.array(data, dtype=np.float32, copy=True)

    def fetch(self, result: Any) -> np.ndarray:
        return self._output(result, "output")

    def run_outputs(self, images: np.ndarray) -> dict[str, np.ndarray]:
        staged = self.execute(self.stage(images))
        return {name: self._output(staged, name) for name in self.record.io.output_names}

    @property
    def img_size(self) -> int:
        return self.record.model.img_size

    def close(self) -> None:
        self._compiled = {}
        self.model = None
        self.core = None
