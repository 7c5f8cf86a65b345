"""TensorRT's runtime for plan files (TensorRT 10.x and 11.x APIs), as the ``tensorrt`` runner and the
validation of ``export --format tensorrt`` both use it.

Device buffers are torch CUDA tensors (no pycuda); inference is ``execute_async_v3`` on a torch stream
with tensor addresses set by name. ``import tensorrt`` happens only when a plan is loaded or the
machine is asked whether it can run one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import UgatitDeployError
from ..core.metadata import ArtifactRecord
from ..core.optional import cuda_unavailable_reason


class PlanError(UgatitDeployError):
    """A plan that cannot be loaded or run here."""


def import_tensorrt() -> Any:
    import tensorrt as trt  # noqa: PLC0415 - optional, lazy by design

    return trt


def tensorrt_unavailable_reason() -> str | None:
    """None when TensorRT imports and a CUDA GPU is visible, else why not."""
    try:
        import_tensorrt()
    except ImportError:
        return "TensorRT is not installed (pip install 'ugatit-deploy[tensorrt]' on a GPU machine)"
    return cuda_unavailable_reason()


def torch_dtype(trt: Any, dtype: Any) -> Any:
    """The torch dtype of a TensorRT I/O tensor dtype."""
    import torch

    table = {trt.DataType.FLOAT: torch.float32, trt.DataType.HALF: torch.float16}
    if dtype not in table:
        raise PlanError(f"unsupported engine I/O dtype {dtype}: ugatit-deploy engines use float32 or float16 I/O")
    return table[dtype]


class PlanEngine:
    """One deserialized engine and execution context; output buffers are allocated per input shape."""

    def __init__(self, path: str | os.PathLike[str], record: ArtifactRecord, device_id: int = 0) -> None:
        import torch

        trt = import_tensorrt()
        self.path, self.device_id, self.trt = Path(path), device_id, trt
        torch.cuda.set_device(device_id)
        torch.cuda.reset_peak_memory_stats()
        self.runtime = trt.Runtime(trt.Logger(trt.Logger.WARNING))
        self.engine = self.runtime.deserialize_cuda_engine(self.path.read_bytes())
        if self.engine is None:
            raise PlanError(f"TensorRT {trt.__version__} cannot deserialize {self.path.name} (see its log above)")
        self.context = self.engine.create_execution_context()
        names = [self.engine.get_tensor_name(i) for i in range(self.engine.num_io_tensors)]
        is_input = {n: self.engine.get_tensor_mode(n) == trt.TensorIOMode.INPUT for n in names}
        self.input_name = next(n for n in names if is_input[n])
        self.output_names = [n for n in names if not is_input[n]]
        self.stream = torch.cuda.Stream(device_id)
        profile = record.tensorrt.profile if record.tensorrt else {}
        self.min_shape, self.max_shape = tuple(profile["min"]), tuple(profile["max"])
        self._outputs: dict[tuple[int, ...], dict[str, Any]] = {}

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

    def execute(self, staged: Any) -> dict[str, Any]:
        """Enqueue one run; the returned buffers are reused by the next run of the same shape."""
        import torch

        shape = tuple(staged.shape)
        buffers = self._buffers(shape)
        self.context.set_input_shape(self.input_name, shape)
        self.context.set_tensor_address(self.input_name, staged.data_ptr())
        for name, tensor in buffers.items():
            self.context.set_tensor_address(name, tensor.data_ptr())
        self.stream.wait_stream(torch.cuda.current_stream())  # staged copy is on the default stream
        if not self.context.execute_async_v3(self.stream.cuda_stream):
            raise PlanError("TensorRT execute_async_v3 failed (see the TensorRT log above)")
        return buffers

    def run(self, images: np.ndarray) -> dict[str, np.ndarray]:
        """Every output of one batch, on the host."""
        buffers = self.execute(self.stage(images))
        self.stream.synchronize()
        return {name: tensor.float().cpu().numpy() for name, tensor in buffers.items()}

    def device_memory_bytes(self) -> int:
        import torch

        workspace = getattr(self.engine, "device_memory_size_v2", None) or getattr(self.engine, "device_memory_size", 0)
        return int(torch.cuda.max_memory_allocated(self.device_id)) + int(workspace)

    def close(self) -> None:
        self._outputs.clear()
        self.context = None
        self.engine = None


class PlanSession:
    """An ONNX-Runtime-like ``run(names, feeds)`` over a plan, for export validation."""

    def __init__(self, path: str | os.PathLike[str], record: ArtifactRecord) -> None:
        self.engine = PlanEngine(path, record)

    def run(self, names: list[str] | None, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        outputs = self.engine.run(next(iter(feeds.values())))
        return [outputs[name] for name in (names or self.engine.output_names)]
