"""Backend names and the one factory the CLI, benchmarks and tests use to create runners."""

from __future__ import annotations

import os
from typing import Any

from .base import Backend, BackendError

# name -> (artifact kind it runs, one-line description)
BACKENDS: dict[str, tuple[str, str]] = {
    "torch-cpu": ("checkpoint", "PyTorch eager on CPU (the reference)"),
    "torch-cuda": ("checkpoint", "PyTorch on CUDA: fp32, or fp16 autocast + channels_last + CUDA graphs"),
    "onnxruntime-cpu": ("onnx", "ONNX Runtime, CPU execution provider"),
    "onnxruntime-cuda": ("onnx", "ONNX Runtime, CUDA execution provider, IO binding"),
    "onnxruntime-tensorrt": ("onnx", "ONNX Runtime, TensorRT execution provider, IO binding"),
    "tensorrt": ("engine", "TensorRT plan file, execute_async_v3 on torch CUDA buffers"),
}


def create_backend(name: str, artifact: str | os.PathLike[str], **options: Any) -> Backend:
    """A runner for ``artifact``. Options: torch ``precision``, ``direction``, ``channels_last``,
    ``cuda_graphs``, ``threads``; onnxruntime ``threads``, ``cache_dir``; all GPU backends ``device_id``."""
    if name not in BACKENDS:
        raise BackendError(f"unknown backend {name!r}: use one of {', '.join(BACKENDS)}")
    if name.startswith("torch-"):
        from .torch_runner import TorchBackend

        return TorchBackend(artifact, device=name.split("-", 1)[1], **options)
    if name.startswith("onnxruntime-"):
        from .onnxruntime_runner import OnnxRuntimeBackend

        return OnnxRuntimeBackend(artifact, provider=name.split("-", 1)[1], **options)
    from .tensorrt_runner import TensorRTBackend

    return TensorRTBackend(artifact, **options)
