"""Runners behind one interface: PyTorch (CPU / CUDA), ONNX Runtime (CPU / CUDA / TensorRT EP), OpenVINO (CPU),
TensorRT. The registry (``BACKENDS``) lists them; adding one is a registry entry and a runner module.

>>> from ugatit_deploy.backends import create_backend
>>> backend = create_backend("onnxruntime-cpu", "exports/demo_a2b_fp32.onnx", threads=2)
>>> backend.availability()            # Availability(ok=True, reason='')
>>> with backend:                     # load() ... close()
...     images = backend.run(batch)   # B x 3 x H x W float32 in [-1, 1] -> same
"""

from .base import Availability, Backend, BackendError, BackendInfo
from .registry import (
    BACKENDS,
    FAMILIES,
    BackendSpec,
    Mode,
    artifact_kind,
    auto_backends,
    backend_groups,
    backends_for,
    backends_in,
    create_backend,
    open_model,
)

__all__ = ["BACKENDS", "FAMILIES", "Availability", "Backend", "BackendError", "BackendInfo",
           "BackendSpec", "Mode", "artifact_kind", "auto_backends", "backend_groups", "backends_for", "backends_in",
           "create_backend", "open_model"]  # fmt: skip
