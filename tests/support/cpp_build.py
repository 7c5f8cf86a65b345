"""One CMake build of the C++ runner (cpp/) for the test session, against this Python's OpenVINO (the pip
wheel's CMake package) when it is installed. Tests take it through the ``cpp_build`` fixture (conftest)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.paths import REPO

CPP = REPO / "cpp"
SKIPPED_TRT = "TensorRT not found: building the TensorRT-free parts only"
SKIPPED_OPENVINO = "OpenVINO not found: building without the OpenVINO engine"


def compiler() -> str | None:
    return os.environ.get("CXX") or shutil.which("c++") or shutil.which("g++") or shutil.which("clang++")


NO_TOOLCHAIN = shutil.which("cmake") is None or compiler() is None
NO_TOOLCHAIN_REASON = "the C++ runner needs cmake and a C++17 compiler (not found on PATH)"


@dataclass
class Build:
    dir: Path
    configure_log: str

    def tool(self, name: str) -> Path:
        return self.dir / name

    def require(self, *formats: str) -> None:
        """Skip when CMake built the runner without libpng / libjpeg (their -dev packages missing)."""
        for name in formats:
            if f"{name} not found" in self.configure_log:
                pytest.skip(f"{name} was not found at configure time: the C++ runner was built without it")

    @property
    def has_openvino(self) -> bool:
        return SKIPPED_OPENVINO not in self.configure_log


def build_runner(folder: Path) -> Build:
    """Configure (Release; ``Python3_EXECUTABLE`` = this Python, so CMake finds its OpenVINO) and build."""
    options = ["-DCMAKE_BUILD_TYPE=Release", f"-DPython3_EXECUTABLE={sys.executable}"]
    configure = subprocess.run(["cmake", "-S", str(CPP), "-B", str(folder), *options], capture_output=True, text=True)
    assert configure.returncode == 0, configure.stdout + configure.stderr
    jobs = str(min(os.cpu_count() or 1, 8))
    compiled = subprocess.run(["cmake", "--build", str(folder), "--parallel", jobs], capture_output=True, text=True)
    assert compiled.returncode == 0, compiled.stdout[-4000:] + compiled.stderr[-4000:]
    return Build(folder, configure.stdout + configure.stderr)


def export_inline_onnx(folder: Path) -> Path:
    """The built-in demo model as an inline-AdaILN FP32 ONNX (what the C++ OpenVINO engine reads), in ``folder``."""
    from click.testing import CliRunner

    from ugatit_deploy.assets import shapes_model_path
    from ugatit_deploy.cli import main

    args = ["export", "--ckpt", str(shapes_model_path()), "--adailn", "inline", "--precision", "fp32"]
    result = CliRunner().invoke(main, [*args, "--out", str(folder)])
    assert result.exit_code == 0, result.output
    (model,) = folder.glob("*.onnx")
    return model


def run_measured(command: list, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess, float]:
    """Run ``command`` under a fresh Python whose only child it is, so that RUSAGE_CHILDREN's ru_maxrss is the
    command's own peak resident memory; returns the result (its stderr without the measurement) and that peak in MB."""
    wrapper = (
        "import resource, subprocess, sys\n"
        "code = subprocess.run(sys.argv[1:]).returncode\n"
        "print(f'PEAK_KB {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run([sys.executable, "-c", wrapper, *map(str, command)], capture_output=True, errors="replace",
                          env=env, timeout=300)  # fmt: skip
    lines = done.stderr.splitlines()
    assert lines and lines[-1].startswith("PEAK_KB "), done.stderr
    peak_mb = int(lines[-1].split()[1]) / 1024
    stderr = "".join(line + "\n" for line in lines[:-1])
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout, stderr), peak_mb


def with_openvino(build: Build) -> Build:
    """The session's build, for tests of its OpenVINO engine: skips where OpenVINO is not installed, and fails
    where it is but CMake did not find it."""
    pytest.importorskip("openvino", reason="OpenVINO is not installed: pip install 'ugatit-deploy[openvino]'")
    assert build.has_openvino, "CMake did not find the venv's OpenVINO:\n" + build.configure_log
    return build
