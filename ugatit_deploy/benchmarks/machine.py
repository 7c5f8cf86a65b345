"""What machine a benchmark ran on: CPU model and instruction set, cores, threads, GPU and library versions."""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping
from importlib import metadata

import torch


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# /proc/cpuinfo flag -> the name in the record, in the order written (older kernels spell VNNI without "_")
ISA_FLAGS = {
    "avx2": "AVX2",
    "fma": "FMA",
    "avx512f": "AVX512F",
    "avx512_vnni": "AVX512_VNNI",
    "avx512vnni": "AVX512_VNNI",
    "avx512_bf16": "AVX512_BF16",
    "amx_tile": "AMX_TILE",
    "amx_bf16": "AMX_BF16",
    "amx_int8": "AMX_INT8",
}


def _cpuinfo() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            return handle.read()
    except OSError:
        return ""


def cpu_isa(cpuinfo: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The CPU's vector / matrix extensions that matter for kernels, e.g. ``"AVX2 FMA AVX512F AVX512_VNNI"``.

    Read from the first ``flags`` line of /proc/cpuinfo (``cpuinfo`` overrides it): ``"unknown"`` where there
    is none, ``"none"`` where the CPU has none of them. A cap set with ONEDNN_MAX_CPU_ISA (oneDNN obeys it, so
    PyTorch and OpenVINO do) is appended, e.g. ``"AVX2 FMA AVX512F (ONEDNN_MAX_CPU_ISA=AVX2)"``.
    """
    text = _cpuinfo() if cpuinfo is None else cpuinfo
    line = next((row for row in text.splitlines() if row.split(":", 1)[0].strip() == "flags"), None)
    if line is None:
        isa = "unknown"
    else:
        flags = set(line.split(":", 1)[1].split())
        names = dict.fromkeys(name for flag, name in ISA_FLAGS.items() if flag in flags)
        isa = " ".join(names) or "none"
    cap = (os.environ if environ is None else environ).get("ONEDNN_MAX_CPU_ISA")
    return f"{isa} (ONEDNN_MAX_CPU_ISA={cap})" if cap else isa


# Environment variables that change how the runtimes' threads wait and spread, recorded with every bench: each
# moves the timings. OMP_WAIT_POLICY=PASSIVE in particular makes torch eager's OpenMP workers sleep between its
# many small parallel regions: measured 1.41-1.56x slower on the built-in model (116.7 -> 164.3 ms and 122.8 ->
# 191.4 ms p50, 2 threads, the AVX-512 EPYC, 2026-12-02), so every "vs eager" ratio reads that much higher.
THREAD_ENV = ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "OMP_PROC_BIND", "KMP_BLOCKTIME", "KMP_AFFINITY", "GOMP_SPINCOUNT",
              "MKL_NUM_THREADS", "ONEDNN_MAX_CPU_ISA")  # fmt: skip


def thread_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The ``THREAD_ENV`` variables that are set, with their values."""
    environ = os.environ if environ is None else environ
    return {name: environ[name] for name in THREAD_ENV if name in environ}


def baseline_warning(environ: Mapping[str, str] | None = None) -> str | None:
    """A line for the bench log where the environment slows the torch eager baseline, else None."""
    policy = thread_env(environ).get("OMP_WAIT_POLICY", "").upper()
    if policy != "PASSIVE":
        return None
    return (
        "note: OMP_WAIT_POLICY=PASSIVE slows torch eager, the baseline (measured 1.4-1.6x on the built-in "
        "model): every speed-up over it reads that much higher; unset it to compare with torch's default"
    )


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine_record() -> dict:
    """A JSON-ready description of this machine and the versions that matter for timings."""
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {
        "cpu": _cpu_model(),
        "isa": cpu_isa(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "gpu": gpu,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda if torch.cuda.is_available() else None,
        "onnxruntime": _version("onnxruntime") or _version("onnxruntime-gpu"),
        "tensorrt": _version("tensorrt"),
        "ugatit_deploy": _version("ugatit-deploy"),
        "thread_env": thread_env(),
    }
