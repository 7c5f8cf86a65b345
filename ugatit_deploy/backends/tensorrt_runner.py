"""TensorRT runner for plan files built by ``ugatit-deploy build`` (TensorRT 10.x and 11.x APIs).

Device buffers are torch CUDA tensors (no pycuda); inference is ``execute_async_v3`` on a torch stream
with tensor addresses set by name. ``import tensorrt`` happens in ``load``/``availability`` only.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .base import Availability, Backend, BackendError, BackendInfo, check_file, sidecar_record


def _import_tensorrt() -> Any:
    import tensorrt as trt  # noqa: PLC0415 - optional, lazy by design

    return trt


def tensorrt_unavailable_reason() -> str | None:
    """None when TensorRT imports and a CUDA GPU is visible, else why not."""
    try:
        _import_tensorrt()
    except ImportError:
        return "TensorRT is not installed (pip install 'ugatit-deploy[tensorrt]' on a GPU machine)"
    from .torch_runner import cuda_unavailable_reason

    return cuda_unavailable_reason()


def torch_dtype(trt: Any, dtype: Any) -> Any:
    """The torch dtype of a TensorRT I/O tensor dtype."""
    import torch

    table = {trt.DataType.FLOAT: torch.float32, trt.DataType.HALF: torch.float16}
    if dtype not in table:
        raise BackendError(f"unsupported engine I/O dtype {dtype}: ugatit-deploy engines use float32 or float16 I/O")
    return table[dtype]


class TensorRTBackend(Backend):
    """One deserialized engine and execution context; output buffers are allocated per input shape."""

    def __init__(self, plan: str | os.PathLike[str], device_id: int = 0) -> None:
        self.path = check_file(plan, "TensorRT plan")
        self.record: dict[str, Any] = sidecar_record(self.path, "tensorrt-plan", "a TensorRT plan")
        self.device_id = device_id
        self.info = BackendInfo("tensorrt", self.record.get("precision", "fp32"), self.path)
        self.engine: Any = None
        self._outputs: dict[tuple[int, ...], dict[str, Any]] = {}

    def availability(self) -> Availability:
        if reason := tensorrt_unavailable_reason():
            return Availability.no(reason)
        import torch

        trt = _import_tensorrt()

        built = self.record.get("tensorrt", {})
        major, minor = torch.cuda.get_device_capability(self.device_id)
        here = f"{major}.{minor}"
        if built.get("hardware_compat", "none") == "none" and built.get("compute_capability") not in (None, here):
            return Availability.no(
                f"engine built for sm {built['compute_capability']} ({built.get('gpu')}), this GPU is sm {here}: "
                "rebuild it here with ugatit-deploy build"
            )
        if not built.get("version_compatible") and built.get("version") not in (None, trt.__version__):
            return Availability.no(
                f"engine built with TensorRT {built['version']}, this is {trt.__version__}: rebuild it "
                "(or build with --version-compatible)"
            )
        return Availability.yes()

    def load(self) -> None:
        self.require_available()
        import torch

        trt = _import_tensorrt()
        torch.cuda.set_device(self.device_id)
        torch.cuda.reset_peak_memory_stats()
        self.trt = trt
        self.runtime = trt.Runtime(trt.Logger(trt.Logger.WARNING))
        self.engine = self.runtime.deserialize_cuda_engine(self.path.read_bytes())
        if self.engine is None:
            raise BackendError(f"TensorRT {trt.__version__} cannot deserialize {self.path.name} (see its log above)")
        self.context = self.engine.create_execution_context()
        names = [self.engine.get_tensor_name(i) for i in range(self.engine.num_io_tensors)]
        is_input = {n: self.engine.get_tensor_mode(n) == trt.TensorIOMode.INPUT for n in names}
        self.input_name = next(n for n in names if is_input[n])
        self.output_names = [n for n in names if not is_input[n]]
        self.stream = torch.cuda.Stream(self.device_id)
        profile = self.record["tensorrt"]["profile"]
        self.min_shape, self.max_shape = tuple(profile["min"]), tuple(profile["max"])

    def accepts(self, shape: tuple[int, ...]) -> str | None:
        if any(s < lo or s > hi for s, lo, hi in zip(shape, self.min_shape, self.max_shape, strict=True)):
            return f"shape {list(shape)} is outside the engine's profile {list(self.min_shape)}..{list(self.max_shape)}"
        return None

    def stage(self, images: np.ndarray) -> Any:
        import torch

        dtype = torch_dtype(self.trt, self.engine.get_tensor_dtype(self.input_name))
        return torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32)).to(f"cuda:{self.device_id}", dtype)

    def _buffers(self, shape: tuple[int, ...]) -> dict[str, Any]:
        import torch

        if shape not in self._outputs:
            self.context.set_input_shape(self.input_name, shape)
            buffers = {}
            for name in self.output_names:
                dims = tuple(self.context.get_tensor_shape(name))
                dtype = torch_dtype(self.trt, self.engine.get_tensor_dtype(name))
                buffers[name] = torch.empty(dims, dtype=dtype, device=f"cuda:{self.device_id}")
            self._outputs[shape] = buffers
        return self._outputs[shape]

    def execute(self, staged: Any) -> Any:
        import torch

        shape = tuple(staged.shape)
        buffers = self._buffers(shape)
        self.context.set_input_shape(self.input_name, shape)
        self.context.set_tensor_address(self.input_name, staged.data_ptr())
        for name, tensor in buffers.items():
            self.context.set_tensor_address(name, tensor.data_ptr())
        self.stream.wait_stream(torch.cuda.current_stream())  # staged copy is on the default stream
        if not self.context.execute_async_v3(self.stream.cuda_stream):
            raise BackendError("TensorRT execute_async_v3 failed (see the TensorRT log above)")
        return buffers["output"]  # reused by the next execute of the same shape: fetch before executing again

    def run_outputs(self, images: np.ndarray) -> dict[str, np.ndarray]:
        self.execute(self.stage(np.ascontiguousarray(images, dtype=np.float32)))
        self.stream.synchronize()
        buffers = self._outputs[tuple(images.shape)]
        return {name: tensor.float().cpu().numpy() for name, tensor in buffers.items()}

    @property
    def img_size(self) -> int:
        return int(self.record["model"]["img_size"])

    def synchronize(self) -> None:
        self.stream.synchronize()

    def fetch(self, result: Any) -> np.ndarray:
        self.stream.synchronize()
        return result.float().cpu().numpy()

    def device_memory_bytes(self) -> int | None:
        import torch

        workspace = getattr(self.engine, "device_memory_size_v2", None) or getattr(self.engine, "device_memory_size", 0)
        return int(torch.cuda.max_memory_allocated(self.device_id)) + int(workspace)

    def close(self) -> None:
        self._outputs.clear()
        self.context = None
        self.engine = None
