"""A real `ugatit-deploy serve` process on loopback for the serving tests: free ports, start, wait until
ready, stop; and the small HTTP / gRPC calls the tests make."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from ugatit_deploy.serving.server import free_ports


def require_server() -> None:
    """Skip (with the install line) where Triton's server or its gRPC client is not installed."""
    from ugatit_deploy.core.errors import UnavailableError
    from ugatit_deploy.serving.triton_runtime import find_runtime

    pytest.importorskip("tritonclient.grpc", reason="tritonclient is not installed: pip install 'ugatit-deploy[serve]'")
    try:
        find_runtime()
    except UnavailableError as exc:
        pytest.skip(str(exc))


@dataclass
class Served:
    process: subprocess.Popen
    http: int
    grpc: int
    metrics: int
    folder: Path

    @property
    def grpc_url(self) -> str:
        return f"127.0.0.1:{self.grpc}"

    def get(self, path: str, port: int | None = None) -> tuple[int, str]:
        url = f"http://127.0.0.1:{port or self.http}{path}"
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def json(self, path: str) -> dict:
        status, body = self.get(path)
        assert status == 200, body
        return json.loads(body)

    def metric(self, name: str) -> float:
        """The served model's value of one Prometheus metric."""
        _, text = self.get("/metrics", self.metrics)
        for line in text.splitlines():
            if line.startswith(name + "{") and 'model="ugatit"' in line:
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_server(model: Path, folder: Path, *options: str, env: dict[str, str] | None = None) -> Served:
    """``ugatit-deploy serve MODEL`` on three free loopback ports, ready to answer (``env``: added variables)."""
    http, grpc, metrics = free_ports(3)
    command = [sys.executable, "-m", "ugatit_deploy", "serve", str(model), "--http-port", str(http), "--grpc-port",
               str(grpc), "--metrics-port", str(metrics), "--repo", str(folder), *options]  # fmt: skip
    log = (folder.parent / f"{folder.name}.out").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    served = Served(process, http, grpc, metrics, folder)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited {process.returncode}: {Path(log.name).read_text()[-3000:]}")
        try:
            if served.get("/v2/health/ready")[0] == 200:
                return served
        except OSError:
            pass
        time.sleep(0.3)
    served.stop()
    raise AssertionError(f"serve was not ready in 180 s: {Path(log.name).read_text()[-3000:]}")


def infer(url: str, images: np.ndarray, dtype: str = "FP32", timeout: float | None = 120) -> np.ndarray:
    """One gRPC request; the server's error message as InferenceServerException."""
    import tritonclient.grpc as grpc

    client = grpc.InferenceServerClient(url)
    try:
        request = grpc.InferInput("input", list(images.shape), dtype)
        request.set_data_from_numpy(images)
        result = client.infer(
            "ugatit", [request], outputs=[grpc.InferRequestedOutput("output")], client_timeout=timeout
        )
        return result.as_numpy("output")
    finally:
        client.close()
