"""The ``tritonserver`` process of ``ugatit-deploy serve``: free ports checked first, started with the
backend folder and environment of ``triton_runtime``, ready when Triton's readiness endpoint says so, and
stopped gracefully (SIGTERM: Triton refuses new requests, finishes those in flight, unloads, exits).

Triton's own log (including its harmless NVML / DCGM warnings on a machine without a GPU) goes to a file;
on a failed start, its informative last line becomes the error.
"""

from __future__ import annotations

import errno
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import UgatitDeployError
from .triton_runtime import TritonRuntime

EXIT_TIMEOUT_S = 30  # Triton's wait for in-flight requests and model unloading at shutdown


class ServeError(UgatitDeployError):
    """A server that cannot start or stop as asked."""


@dataclass(frozen=True)
class Ports:
    """Where the server listens."""

    http: int = 8000
    grpc: int = 8001
    metrics: int = 8002
    host: str = "127.0.0.1"

    def named(self) -> dict[str, int]:
        return {"http": self.http, "grpc": self.grpc, "metrics": self.metrics}

    def check_free(self) -> None:
        """ServeError naming the option of the first port that is taken (or repeated)."""
        ports = self.named()
        for label, port in ports.items():
            if not 1 <= port <= 65535:
                raise ServeError(f"--{label}-port must be 1..65535, got {port}")
            if list(ports.values()).count(port) > 1:
                raise ServeError(f"--{label}-port {port} is also given to another port option: use three ports")
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                try:
                    probe.bind((self.host, port))
                except OSError as exc:
                    if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                        raise ServeError(f"port {port} on {self.host} is already in use (--{label}-port): stop what "
                                         f"holds it or choose another port") from None  # fmt: skip
                    raise ServeError(f"cannot listen on {self.host}:{port} (--{label}-port): {exc.strerror}") from None


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` distinct ports free on ``host`` right now (the OS picks them), for tests and benchmarks."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for probe in sockets:
            probe.bind((host, 0))
        return [probe.getsockname()[1] for probe in sockets]
    finally:
        for probe in sockets:
            probe.close()


def _last_error(log: Path) -> str:
    """The most informative line of a failed Triton start: why the model did not load, else the first error
    that is not about the missing GPU, else the log's last line."""
    text = log.read_text(errors="replace") if log.is_file() else ""
    if found := re.search(r"failed to load '[^']*' version \d+: (?:\w+: )?(.*?)(?:\\n|\"$)", text, re.MULTILINE):
        return f"the model did not load: {found.group(1)}"
    lines = [line for line in text.splitlines() if line.strip() and not re.search(r"NVML|DCGM|CUDA|Cuda", line)]
    errors = [line for line in lines if line.startswith("E") or line.startswith("error")]
    chosen = (errors or lines or ["(no output)"])[0]
    return re.sub(r'^[EWI]\d{4} [\d:.]+ \d+ [\w.]+:\d+\] "?', "", chosen).rstrip('"').strip()


class TritonServer:
    """One ``tritonserver`` child process serving ``repo``."""

    def __init__(self, runtime: TritonRuntime, repo: Path, ports: Ports, workdir: Path) -> None:
        self.runtime, self.repo, self.ports, self.workdir = runtime, repo, ports, workdir
        self.log = workdir / "tritonserver.log"
        self.process: subprocess.Popen | None = None

    @property
    def http_url(self) -> str:
        return f"{self.ports.host}:{self.ports.http}"

    @property
    def grpc_url(self) -> str:
        return f"{self.ports.host}:{self.ports.grpc}"

    def command(self) -> list[str]:
        backends = self.runtime.backend_directory(self.workdir / "backends")
        host = self.ports.host
        return [
            str(self.runtime.server), f"--model-repository={self.repo}", f"--backend-directory={backends}",
            f"--http-address={host}", f"--http-port={self.ports.http}", f"--grpc-address={host}",
            f"--grpc-port={self.ports.grpc}", f"--metrics-address={host}", f"--metrics-port={self.ports.metrics}",
            "--allow-metrics=true", "--allow-gpu-metrics=false", "--model-control-mode=none",
            "--disable-auto-complete-config", "--strict-readiness=true", "--exit-on-error=true",
            f"--exit-timeout-secs={EXIT_TIMEOUT_S}", "--log-verbose=0",
        ]  # fmt: skip

    def start(self, ready_timeout_s: float = 180.0) -> None:
        """Start and wait until the model is ready; ServeError (one line) when Triton stops or never gets there."""
        self.ports.check_free()
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                            env=self.runtime.environment(), start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + ready_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServeError(f"Triton stopped while starting (exit {self.process.returncode}): "
                                 f"{_last_error(self.log)} (log: {self.log})")  # fmt: skip
            if self.ready():
                return
            time.sleep(0.2)
        self.stop()
        raise ServeError(f"Triton was not ready after {ready_timeout_s:.0f} s (log: {self.log})")

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://{self.http_url}/v2/health/ready", timeout=2) as answer:
                return answer.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Graceful stop (Triton finishes what is in flight); killed if it outlives its own exit timeout."""
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(EXIT_TIMEOUT_S + 15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)

    def wait(self) -> int:
        assert self.process is not None, "start() first"
        return int(self.process.wait())
