"""Lazy imports of optional packages, each with the one-line install hint users need."""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from .errors import UnavailableError


def _require(module: str, missing: str, quiet: bool = False) -> ModuleType:
    """Import ``module``, or raise UnavailableError with ``missing`` (what is not installed and how to fix it)."""
    try:
        if quiet:
            with _quiet_stdout():
                return importlib.import_module(module)
        return importlib.import_module(module)
    except ImportError:
        raise UnavailableError(missing) from None


def onnxruntime() -> ModuleType:
    """ONNX Runtime (CPU or GPU build, whichever is installed)."""
    return _require("onnxruntime", "onnxruntime is not installed: pip install 'ugatit-deploy[cpu]' "
                    "(or '[gpu]' on a CUDA machine)")  # fmt: skip


def openvino() -> ModuleType:
    """OpenVINO runtime (CPU plugin; its ONNX frontend reads our files once the norm functions are inlined)."""
    return _require("openvino", "openvino is not installed: pip install 'ugatit-deploy[openvino]'")


def mnn() -> ModuleType:
    """MNN (Alibaba's inference engine; its CPU backend runs 3x3 convolutions with Winograd). Imported with
    stdout silenced: the library prints its CPU feature probe when it loads."""
    return _require("MNN", "MNN is not installed: pip install 'ugatit-deploy[mnn]'", quiet=True)


def ncnn() -> ModuleType:
    """ncnn's Python bindings (Tencent's mobile/edge inference engine)."""
    return _require("ncnn", "ncnn is not installed: pip install 'ugatit-deploy[ncnn]'")


def pnnx() -> ModuleType:
    """pnnx, ncnn's model converter (a binary inside its wheel)."""
    return _require("pnnx", "pnnx (ncnn's converter) is not installed: pip install 'ugatit-deploy[ncnn]'")


def av() -> ModuleType:
    """PyAV: video in and out, with the FFmpeg libraries its wheel ships (never a system ffmpeg)."""
    return _require("av", "PyAV is not installed: pip install 'ugatit-deploy[video]'")


def tritonclient_grpc() -> ModuleType:
    """Triton's gRPC client (the ``serve`` client helper and ``infer --server``)."""
    return _require("tritonclient.grpc", "tritonclient is not installed: pip install 'ugatit-deploy[serve]'")


CHROMIUM_ENV = "UGATIT_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")


def browser() -> str:
    """Playwright, and the Chromium it drives (the system's: ``UGATIT_CHROMIUM``, else the first on the PATH): the
    browser's path. What the web bundle's runner (onnxruntime-web) and the browser tests need."""
    _require("playwright.sync_api", "Playwright is not installed: pip install 'ugatit-deploy[web]'")
    if given := os.environ.get(CHROMIUM_ENV):
        if not os.path.isfile(given):
            raise UnavailableError(f"{CHROMIUM_ENV}={given} is not a file")
        return given
    import shutil

    found = next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)
    if found is None:
        raise UnavailableError(f"no Chromium on the PATH: install it (Debian: apt install chromium) or set "
                               f"{CHROMIUM_ENV}")  # fmt: skip
    return found


def cuda_unavailable_reason() -> str | None:
    """None when torch sees a CUDA device, else why not (CPU-only build or no device)."""
    import torch

    if torch.cuda.is_available():
        return None
    if torch.version.cuda is None:
        return f"torch {torch.__version__} is a CPU-only build"
    return "no CUDA device is visible"


def availability_of(loader: object) -> tuple[bool, str]:
    """(importable, why not) for one of the loaders above: what a runner's ``availability`` reports."""
    try:
        loader()  # type: ignore[operator]
    except UnavailableError as exc:
        return False, str(exc)
    return True, ""


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


def ort_session(model: Any, threads: int | None = None) -> Any:
    """An ONNX Runtime CPU session of an in-memory ``onnx.ModelProto`` (quiet: warnings and up only)."""
    ort = onnxruntime()
    options = ort.SessionOptions()
    options.log_severity_level = 3
    if threads:
        options.intra_op_num_threads = threads
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
