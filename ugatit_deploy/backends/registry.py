"""Backend names and the one factory the CLI, benchmarks and tests use to create runners."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import UnavailableError
from .base import Backend, BackendError

# name -> (artifact kind it runs, one-line description)
BACKENDS: dict[str, tuple[str, str]] = {
    "torch-cpu": ("checkpoint", "PyTorch eager on CPU (the reference)"),
    "torch-cuda": ("checkpoint", "PyTorch on CUDA: fp32, or fp16 autocast + channels_last + CUDA graphs"),
    "onnxruntime-cpu": ("onnx", "ONNX Runtime, CPU execution provider"),
    "onnxruntime-cuda": ("onnx", "ONNX Runtime, CUDA execution provider, IO binding"),
    "onnxruntime-tensorrt": ("onnx", "ONNX Runtime, TensorRT execution provider, IO binding"),
    "openvino-cpu": ("onnx", "OpenVINO on CPU: fp32, bf16 (precision hint) or int8 (QDQ graphs), latency hint"),
    "tensorrt": ("engine", "TensorRT plan file, execute_async_v3 on torch CUDA buffers"),
}


ARTIFACT_BACKENDS = {"checkpoint": ("torch-cuda", "torch-cpu"), "onnx": ("onnxruntime-cuda", "onnxruntime-cpu"),
                     "engine": ("tensorrt",)}  # fmt: skip
NEEDS = {"checkpoint": "a checkpoint", "onnx": "an ONNX file", "engine": "a TensorRT plan"}


def artifact_kind(path: str | os.PathLike[str]) -> str:
    """checkpoint, onnx or engine: what a model file is (by its sidecar when it has one, else its suffix)."""
    from ..metadata import MetadataError, read_sidecar

    try:
        kind = read_sidecar(path).get("kind")
    except MetadataError:
        kind = None
    if kind == "tensorrt-plan" or str(path).endswith((".plan", ".engine")):
        return "engine"
    return "onnx" if kind == "onnx" or str(path).endswith(".onnx") else "checkpoint"


def open_model(path: str | os.PathLike[str], backend: str = "auto", **options: Any) -> Backend:
    """A runner for a model file: ``backend`` auto picks the first available of its kind's backends
    (CUDA before CPU); torch / onnxruntime / tensorrt / openvino pick the family; a full name picks exactly.
    OpenVINO is never picked by auto: ask for it by name."""
    kind = artifact_kind(path)
    family = {"torch": "checkpoint", "onnxruntime": "onnx", "tensorrt": "engine", "openvino": "onnx"}
    if backend in family:
        if family[backend] != kind:
            raise BackendError(f"--backend {backend} cannot run {Path(path).name}: it is a {kind} file "
                               f"({backend} needs {NEEDS[family[backend]]})")  # fmt: skip
        candidates = ("openvino-cpu",) if backend == "openvino" else ARTIFACT_BACKENDS[kind]
    elif backend == "auto":
        candidates = ARTIFACT_BACKENDS[kind]
    else:
        runs = BACKENDS.get(backend, ("?",))[0]
        if runs != kind:
            needs = f" ({backend} needs {NEEDS[runs]})" if runs in NEEDS else ""
            raise BackendError(f"--backend {backend} cannot run {Path(path).name}: it is a {kind} file{needs}")
        candidates = (backend,)
    reasons = []
    for name in candidates:
        runner = create_backend(name, path, **options)
        status = runner.availability()
        if status.ok:
            return runner
        reasons.append(f"{name}: {status.reason}")
    raise UnavailableError(f"cannot run {Path(path).name} here: {'; '.join(reasons)}")


def create_backend(name: str, artifact: str | os.PathLike[str], **options: Any) -> Backend:
    """A runner for ``artifact``. Options: torch ``precision``, ``direction``, ``channels_last``,
    ``cuda_graphs``, ``threads``; onnxruntime ``threads``, ``cache_dir``; openvino ``threads``,
    ``inference_precision`` ("fp32" or "bf16", for fp32 files), ``cache_dir`` (compiled-model cache);
    all GPU backends ``device_id``."""
    if name not in BACKENDS:
        raise BackendError(f"unknown backend {name!r}: use one of {', '.join(BACKENDS)}")
    if name.startswith("torch-"):
        from .torch_runner import TorchBackend

        return TorchBackend(artifact, device=name.split("-", 1)[1], **options)
    if name.startswith("onnxruntime-"):
        from .onnxruntime_runner import OnnxRuntimeBackend

        return OnnxRuntimeBackend(artifact, provider=name.split("-", 1)[1], **options)
    if name == "openvino-cpu":
        from .openvino_runner import OpenVinoBackend

        return OpenVinoBackend(artifact, **options)
    from .tensorrt_runner import TensorRTBackend

    return TensorRTBackend(artifact, **options)
