"""A running ``ugatit-deploy serve`` as a runner: ``RemoteRunner`` sends batches over gRPC with Triton's
client, so ``inference.translate_files`` (``ugatit-deploy infer --server URL``) applies the same pre- and
post-processing as it does to local runners. The served model's size and resize method come from the
server's model config (``repository.ServedModel``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..backends.base import Availability, Backend, BackendError, BackendInfo
from ..core.onnx_contract import INPUT_NAME, OUTPUT_NAMES
from ..core.optional import tritonclient_grpc
from .repository import ServedModel


def _message(exc: Exception) -> str:
    text = exc.message() if hasattr(exc, "message") and callable(exc.message) else str(exc)
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


class RemoteRunner(Backend):
    """One served model at ``url`` (host:grpc-port); ``run`` sends one request per batch."""

    def __init__(self, url: str, model: str = "ugatit", timeout_s: float = 300.0) -> None:
        self.url, self.model, self.timeout_s = url.removeprefix("grpc://"), model, timeout_s
        self.info = BackendInfo(f"triton {self.url}", "served", Path(self.model))
        self.client: Any = None
        self.served: ServedModel | None = None

    def availability(self) -> Availability:
        return Availability.of_import(tritonclient_grpc)

    def load(self) -> None:
        self.require_available()
        grpc = tritonclient_grpc()
        try:
            self.client = grpc.InferenceServerClient(self.url)
            if not self.client.is_server_ready(client_timeout=10):
                raise BackendError(f"the Triton server at {self.url} is not ready")
            config = self.client.get_model_config(self.model, as_json=True, client_timeout=10)["config"]
        except BackendError:
            raise
        except Exception as exc:  # noqa: BLE001 - tritonclient raises InferenceServerException and grpc errors
            raise BackendError(f"cannot reach model {self.model!r} at {self.url}: {_message(exc)}") from None
        try:
            self.served = ServedModel.from_config(config)
        except (KeyError, TypeError, ValueError):
            raise BackendError(f"{self.model!r} at {self.url} is not served by ugatit-deploy serve") from None
        self.info = BackendInfo(f"triton {self.url} ({self.served.backend})", "served", Path(self.served.artifact))

    def stage(self, images: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(images, dtype=np.float32)

    def execute(self, staged: np.ndarray) -> np.ndarray:
        assert self.client is not None, "call load() first"
        grpc = tritonclient_grpc()
        request = grpc.InferInput(INPUT_NAME, list(staged.shape), "FP32")
        request.set_data_from_numpy(staged)
        try:
            result = self.client.infer(self.model, [request], outputs=[grpc.InferRequestedOutput(OUTPUT_NAMES[0])],
                                       client_timeout=self.timeout_s)  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - the server's error response, or the connection's
            raise BackendError(f"server {self.url}: {_message(exc)}") from None
        return np.array(result.as_numpy(OUTPUT_NAMES[0]))  # writable (torch warns on read-only arrays)

    def fetch(self, result: np.ndarray) -> np.ndarray:
        return result

    @property
    def img_size(self) -> int:
        assert self.served is not None, "call load() first"
        return self.served.img_size

    @property
    def light(self) -> bool:
        assert self.served is not None, "call load() first"
        return self.served.light

    @property
    def resize_method(self) -> str:
        assert self.served is not None, "call load() first"
        return self.served.resize

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        self.client = None
