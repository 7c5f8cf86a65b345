"""Lazy imports of optional packages, each with the one-line install hint users need."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
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


def mnn() -> ModuleType:
    """MNN (Alibaba's inference engine; its CPU backend runs 3x3 convolutions with Winograd). Imported with
    stdout silenced: the library prints its CPU feature probe when it loads."""
    try:
        with _quiet_stdout():
            import MNN
    except ImportError:
        raise UnavailableError("MNN is not installed: pip install 'ugatit-deploy[mnn]'") from None
    return MNN


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence file descriptor 1 (C/C++ printf), not only Python's sys.stdout."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
