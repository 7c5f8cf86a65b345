"""Lazy imports of optional packages, each with the one-line install hint users need."""

from __future__ import annotations

from types import ModuleType

from .errors import UnavailableError


def onnxruntime() -> ModuleType:
    """ONNX Runtime (CPU or GPU build, whichever is installed)."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise UnavailableError(
            "onnxruntime is not installed: pip install 'ugatit-deploy[cpu]' (or '[gpu]' on a CUDA machine)"
        ) from None
    return ort


def openvino() -> ModuleType:
    """OpenVINO runtime (CPU plugin; its ONNX frontend reads our files once the norm functions are inlined)."""
    try:
        import openvino as ov
    except ImportError:
        raise UnavailableError("openvino is not installed: pip install 'ugatit-deploy[openvino]'") from None
    return ov
