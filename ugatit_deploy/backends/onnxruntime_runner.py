"""ONNX Runtime runner for our ONNX files: CPU, CUDA or TensorRT execution provider.

On GPU providers the input is staged once in device memory and outputs are bound to device memory
(IO binding), so timings measure the model, not PCIe copies.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.errors import UnavailableError
from ..core.limits import Limits
from ..core.onnx_contract import OUTPUT_NAMES
from ..core.optional import cuda_unavailable_reason, onnxruntime
from ..formats.onnx import ONNX
from ..forms import kernel_of
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
    import onnx
    from onnxruntime import InferenceSession, SessionOptions

PROVIDERS = {
    "cpu": "CPUExecutionProvider",
    "cuda": "CUDAExecutionProvider",
    "tensorrt": "TensorrtExecutionProvider",
}


def cuda_used_bytes() -> int:
    """Device memory in use on the current GPU by every allocator (torch's, ORT's, TensorRT's)."""
    import torch

    free, total = torch.cuda.mem_get_info()
    return int(total - free)


def session_options(threads: int | None) -> SessionOptions:
    """The runner's session options: quiet log, every graph optimization, ``threads`` intra-op threads (and one
    inter-op thread) where set, ONNX Runtime's defaults otherwise."""
    ort = onnxruntime()
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return options


def cpu_session(model: onnx.ModelProto | str | os.PathLike[str], threads: int | None) -> InferenceSession:
    """An InferenceSession on the CPU provider with the runner's options, for a file or an in-memory graph
    (also a bare one, with no sidecar). ONNX Runtime's errors pass through."""
    source = model.SerializeToString() if hasattr(model, "SerializeToString") else str(model)
    return onnxruntime().InferenceSession(source, session_options(threads), providers=[(PROVIDERS["cpu"], {})])


def _first_line(exc: BaseException) -> str:
    """ONNX Runtime's message without its boilerplate, one line, at most 300 characters."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return (lines[0] if lines else type(exc).__name__)[:300]


class OnnxRuntimeBackend(Backend):
    """One InferenceSession on one execution provider, with the thread count and graph optimizations set."""

    def __init__(self, onnx_path: str | os.PathLike[str], provider: str = "cpu", threads: int | None = None,
                 device_id: int = 0, cache_dir: str | os.PathLike[str] | None = None) -> None:  # fmt: skip
        if provider not in PROVIDERS:
            raise BackendError(f"onnxruntime provider must be one of {', '.join(PROVIDERS)}, got {provider!r}")
        self.path = check_file(onnx_path, "ONNX file")
        self.record = artifact_record(self.path, ONNX)
        self.provider, self.threads, self.device_id = provider, threads, device_id
        self.cache_dir = Path(cache_dir) if cache_dir else self.path.parent
        options = {"threads": threads} if provider == "cpu" and threads else {}
        self.info = BackendInfo(f"onnxruntime-{provider}", self.record.precision, self.path, options,
                                self.record.variant)  # fmt: skip
        self.session: Any = None
        self._binding: Any = None
        self._baseline_used: int | None = None

    def availability(self) -> Availability:
        try:
            ort = onnxruntime()
        except UnavailableError as exc:
            return Availability.no(str(exc))
        wanted = PROVIDERS[self.provider]
        if wanted not in ort.get_available_providers():
            hint = "" if self.provider == "cpu" else " (install onnxruntime-gpu: pip install 'ugatit-deploy[gpu]')"
            return Availability.no(f"this onnxruntime {ort.__version__} build has no {wanted}{hint}")
        if self.provider != "cpu" and (reason := cuda_unavailable_reason()):
            return Availability.no(reason)
        return Availability.yes()

    def _provider_options(self) -> dict[str, Any]:
        if self.provider == "cuda":
            return {"device_id": self.device_id}
        if self.provider == "tensorrt":
            kernel = kernel_of(self.info.form)
            return {
                "device_id": self.device_id,
                "trt_fp16_enable": kernel == "fp16",
                "trt_int8_enable": kernel == "int8",  # explicit Q/DQ: no calibration table needed
                "trt_engine_cache_enable": True,
                "trt_engine_cache_path": str(self.cache_dir / "ort_trt_cache"),
            }
        return {}

    def load(self) -> None:
        self.require_available()
        check_hashes(self.path, self.record, ONNX)
        self._baseline_used = cuda_used_bytes() if self.provider != "cpu" else None
        try:
            if self.provider == "cpu":
                self.session = cpu_session(self.path, self.threads)
            else:
                providers: list[Any] = [(PROVIDERS[self.provider], self._provider_options())]
                if self.provider == "tensorrt":
                    providers.append(("CUDAExecutionProvider", {"device_id": self.device_id}))
                options = session_options(self.threads)
                self.session = onnxruntime().InferenceSession(str(self.path), options, providers=providers)
        except Exception as exc:  # noqa: BLE001 - ORT raises its own exception types
            raise BackendError(f"onnxruntime cannot load {self.path.name}: {_first_line(exc)}") from None
        if self.session.get_providers()[0] != PROVIDERS[self.provider]:
            raise BackendError(f"{PROVIDERS[self.provider]} failed to initialise; onnxruntime fell back to CPU")
        self._check_graph()

    def _check_graph(self) -> None:
        """The graph's own input and outputs, against its record and the limits (BackendError, LimitError)."""
        inputs, outputs = self.session.get_inputs(), [o.name for o in self.session.get_outputs()]
        if len(inputs) != 1 or OUTPUT_NAMES[0] not in outputs:
            self.session = None
            raise BackendError(
                f"{self.path.name} is not a U-GAT-IT generator graph: it needs one input and an "
                f"output named {OUTPUT_NAMES[0]!r} (inputs {[i.name for i in inputs]}, outputs {outputs})"
            )
        self.input_name, self.input_shape = inputs[0].name, inputs[0].shape
        try:
            check_input_dims(self.input_shape, f"{self.path.name}: graph input {self.input_name!r}", Limits.current())
        except Exception:
            self.session = None
            raise

    def accepts(self, shape: tuple[int, ...]) -> str | None:
        for axis, (want, got) in enumerate(zip(self.input_shape, shape, strict=True)):
            if isinstance(want, int) and want != got:
                what = "batch" if axis == 0 else "size"
                return f"this ONNX has a static {what} of {want} (got {got}); re-export with dynamic axes"
        return None

    def stage(self, images: np.ndarray) -> Any:
        images = np.ascontiguousarray(images, dtype=np.float32)
        if self.provider == "cpu":
            return images
        return onnxruntime().OrtValue.ortvalue_from_numpy(images, "cuda", self.device_id)

    def execute(self, staged: Any) -> Any:
        if self.provider == "cpu":
            return self._run([OUTPUT_NAMES[0]], staged)[0]
        binding = self.session.io_binding()
        binding.bind_ortvalue_input(self.input_name, staged)
        binding.bind_output("output", "cuda", self.device_id)
        try:
            self.session.run_with_iobinding(binding)
        except Exception as exc:  # noqa: BLE001 - ORT raises its own exception types
            raise BackendError(f"onnxruntime cannot run {self.path.name}: {_first_line(exc)}") from None
        self._binding = binding
        return binding

    def run_outputs(self, images: np.ndarray) -> dict[str, np.ndarray]:
        names = [o.name for o in self.session.get_outputs()]
        values = self._run(names, np.ascontiguousarray(images, dtype=np.float32))
        return {name: np.asarray(value, dtype=np.float32) for name, value in zip(names, values, strict=True)}

    def _run(self, names: list[str], images: np.ndarray) -> list[Any]:
        """``session.run`` with ONNX Runtime's failures (a Resize or Conv that fails on this input, memory) as
        one-line BackendErrors."""
        try:
            return self.session.run(names, {self.input_name: images})
        except Exception as exc:  # noqa: BLE001 - ORT raises its own exception types
            raise BackendError(f"onnxruntime cannot run {self.path.name}: {_first_line(exc)}") from None

    @property
    def img_size(self) -> int:
        return self.record.model.img_size

    def synchronize(self) -> None:
        if self._binding is not None:
            self._binding.synchronize_outputs()

    def fetch(self, result: Any) -> np.ndarray:
        if self.provider == "cpu":
            return np.asarray(result, dtype=np.float32)
        return np.asarray(result.copy_outputs_to_cpu()[0], dtype=np.float32)

    def device_memory_bytes(self) -> int | None:
        # ORT's CUDA arena grows and never shrinks, so device memory in use now is its peak.
        if self.provider == "cpu" or self._baseline_used is None:
            return None
        return max(0, cuda_used_bytes() - self._baseline_used)

    def close(self) -> None:
        self.session = None
        self._binding = None
