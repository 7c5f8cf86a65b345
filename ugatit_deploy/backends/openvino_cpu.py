"""OpenVINO on the CPU device, below the runner: the compile properties (latency or throughput hint, an explicit
inference precision), the process's one ``ov.Core``, and the throughput mode's split of a batch into jobs.

The studies and the matmul peaks compile with the same properties as the runner (``compile_cpu``).
"""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import openvino as ov

DEVICE = "CPU"
HINTS = {"fp32": "f32", "bf16": "bf16"}  # inference_precision -> INFERENCE_PRECISION_HINT


def cpu_properties(threads: int | None, hint: str = "f32", throughput: bool = False) -> dict[str, Any]:
    """The runner's CPU compile properties: an explicit inference precision hint (``f32`` or ``bf16``),
    ``threads`` inference threads where set (OpenVINO's choice otherwise), and either the latency hint with
    one stream or the throughput hint, with which OpenVINO picks the number of streams."""
    properties: dict[str, Any] = {
        "PERFORMANCE_HINT": "THROUGHPUT" if throughput else "LATENCY",
        # int8 files: the Q/DQ pairs select OpenVINO's low-precision path; the layers left in float run
        # in this precision.
        "INFERENCE_PRECISION_HINT": hint,
    }
    if not throughput:
        properties["NUM_STREAMS"] = 1
    if threads:
        properties["INFERENCE_NUM_THREADS"] = int(threads)
    return properties


def compile_cpu(core: ov.Core, model: ov.Model, threads: int | None, hint: str = "f32",
                cache_dir: Path | None = None, throughput: bool = False) -> ov.CompiledModel:  # fmt: skip
    """An already-read (and, for static shapes, reshaped) ``ov.Model`` compiled by ``core`` for the CPU device
    with ``cpu_properties`` (and OpenVINO's compiled-model cache in ``cache_dir``). OpenVINO's errors pass
    through; it may fall back from bf16 to f32 silently."""
    properties = cpu_properties(threads, hint, throughput)
    if cache_dir is not None:
        properties["CACHE_DIR"] = str(cache_dir)
    return core.compile_model(model, DEVICE, properties)


def compiled_hint(compiled: ov.CompiledModel) -> str:
    """The inference precision a compiled model really runs its float layers in (``f32``, ``bf16``)."""
    got = compiled.get_property("INFERENCE_PRECISION_HINT")
    return got.get_type_name() if hasattr(got, "get_type_name") else str(got)


_CORES: dict[int, tuple[ModuleType, Any]] = {}  # id(openvino module) -> (the module, its one Core)


def shared_core(runtime: ModuleType) -> ov.Core:
    """The process's one ``ov.Core``, for every runner and study. OpenVINO's CPU plugin gives the thread that
    compiles an alternate signal stack and hands back the previous one when its Core goes; with several Cores
    released out of order the main thread kept a freed stack, and the next Ctrl-C crashed the process
    (measured: SIGSEGV in ``kill`` after four Cores of a study were released)."""
    if id(runtime) not in _CORES:
        _CORES[id(runtime)] = (runtime, runtime.Core())  # the module is kept, so its id stays its own
    return _CORES[id(runtime)][1]


def job_size(batch: int, requests: int) -> int:
    """Images per infer request when the throughput mode splits a batch over ``requests`` parallel requests:
    the largest divisor of ``batch`` not above ``batch / requests`` (rounded up), so that every job has the
    one compiled shape (batch 8 over 2 requests: 2 jobs of 4; batch 7: 7 jobs of 1)."""
    most = -(-batch // max(requests, 1))
    return max(size for size in range(1, most + 1) if batch % size == 0)


def first_line(exc: Exception) -> str:
    """The first informative line of an OpenVINO error (its first lines only name C++ source files)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    useful = [line for line in lines if not re.match(r"(Exception from |Check '.*' failed at )", line)]
    return (useful or lines or [type(exc).__name__])[0]
