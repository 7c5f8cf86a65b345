"""This CPU's peak GFLOP/s per precision (``cpu-fp32``, ``cpu-bf16``, ``cpu-int8``), measured with OpenVINO
in four forms (``FORMS``): a MatMul, a FullyConnected layer, a chain of ``CHAIN`` FullyConnected layers and a
1x1 Convolution. Its CPU plugin runs them on oneDNN's JIT kernels (brgemm AVX-512 / AVX2, VNNI or AMX for INT8
and BF16; MLAS for an FP32 FullyConnected), chosen by the CPU's ISA, not its vendor, so they reach the peak on
AMD and Intel alike and one library measures all three precisions; the fastest form counts (under the AVX2 cap
the int8 1x1 Convolution beat the int8 matmuls; with AMX the chain, whose inner layers read and write the
kernel's own precision, as a network's do).

Every measurement is checked against the compiled model's runtime graph: a form counts only when it ran in
its own precision (bf16, u8/i8), and ``Peak.kernel`` names what ran; a precision none of whose forms ran in
it has no peak, with the reason. Without OpenVINO, torch's FP32 matmul measures ``cpu-fp32`` and there is no
BF16 or INT8 peak.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import torch

from ..backends.openvino_runner import compile_cpu, shared_core
from ..core.cpu_caps import bf16_unavailable_reason, onednn_cap
from ..core.errors import UnavailableError
from ..core.optional import openvino

CPU_FP32, CPU_BF16, CPU_INT8 = "cpu-fp32", "cpu-bf16", "cpu-int8"
# n of the n x n x n matmuls tried; the best rate of any counts. Short runs find the peak on a shared CPU (measured
# on the 2-vCPU EPYC under load: 512^3 reached 173 GFLOP/s FP32 where 1024^3 and 2048^3 stayed below 45).
SIZES = (512, 1024)
MIN_REPEATS, MAX_REPEATS = 3, 200  # timed runs per size after one warm-up: at least 3, ...
SIZE_BUDGET_S = 0.3  # ... then more until this much time is spent
_HINTS = {CPU_FP32: "f32", CPU_BF16: "bf16", CPU_INT8: "f32"}  # int8: FakeQuantize selects the int8 path
_RUNTIME = {CPU_FP32: ("f32",), CPU_BF16: ("bf16",), CPU_INT8: ("u8", "i8")}  # the MatMul's runtime precision
_NAMES = {CPU_FP32: "f32", CPU_BF16: "bf16", CPU_INT8: "int8 u8 x i8"}


@dataclass(frozen=True)
class Peak:
    """One measured peak: GFLOP/s (None: not measured here) and the kernel that measured it, or why not."""

    gflops: float | None
    kernel: str


@dataclass(frozen=True)
class _Run:
    """One compiled matmul: its best time and what the runtime graph says ran."""

    gflops: float
    layer: str  # the runtime graph's node: MatMul (two inputs) or FullyConnected (constant weights), "8 chained ..."
    precision: str  # its runtime precision
    primitive: str  # e.g. brgemm_avx512_I8
    threads: int


# The forms each precision is timed in; the best counts. oneDNN picks a different kernel for each, and none
# is best everywhere: under ONEDNN_MAX_CPU_ISA=AVX2 an int8 FullyConnected ran jit_gemm_I8 at 156 GFLOP/s
# while the model's int8 convolutions reached 189, which the 1x1 convolution's kernel measures. With AMX a single
# layer spends most of its time converting its f32 input and output (Xeon with AMX, 2 cores, 1024^3: bf16 1697
# GFLOP/s alone, 2571 in a chain of 8; int8 2622 and 5772) and read below the model's own layers (2025 and 3138).
FORMS = ("matmul", "fully-connected", "fc-chain", "conv1x1")
CHAIN = 8  # FullyConnected layers in the "fc-chain" form


def _conv_shape(n: int) -> tuple[int, int]:
    """H x W of a 1x1 convolution with n pixels (so that it does n x n x n multiply-adds, as the matmuls)."""
    height = int(n**0.5)
    while n % height:
        height -= 1
    return height, n // height


def _limit(ov: ModuleType, value: float) -> Any:
    return ov.opset13.constant(np.float32(value))


def _chain_model(ov: ModuleType, n: int, int8: bool) -> Any:
    """``CHAIN`` n x n FullyConnected layers in a row (weights scaled by 1/sqrt(n), so that values keep their
    size); for INT8 a ReLU and a FakeQuantize before each, as in ``_matmul_model``."""
    ops = ov.opset13
    a = ops.parameter([n, n], ov.Type.f32, name="a")
    rng, x = np.random.default_rng(0), a
    for index in range(CHAIN):
        w: Any = ops.constant((rng.uniform(-1.0, 1.0, (n, n)) / np.sqrt(n)).astype(np.float32))
        if int8:
            x = ops.fake_quantize(ops.relu(x) if index else x, *(_limit(ov, v) for v in (0, 2.55, 0, 2.55)), 256)
            w = ops.fake_quantize(w, *(_limit(ov, v) for v in (-0.1, 0.1, -0.1, 0.1)), 255)
        x = ops.matmul(x, w, False, False)
    return ov.Model([x], [a], f"fc-chain_{n}")


def _matmul_model(ov: ModuleType, n: int, int8: bool, form: str) -> Any:
    """n x n x n multiply-adds in one ``form`` (``CHAIN`` times that in ``fc-chain``): a MatMul of two inputs, a
    MatMul with constant weights (which OpenVINO runs as a FullyConnected layer), ``_chain_model`` or a 1x1
    Convolution of n channels over n pixels. For INT8 both operands pass a FakeQuantize (u8 activations, i8
    weights), the pattern its low-precision transformations turn into an int8 kernel."""
    if form == "fc-chain":
        return _chain_model(ov, n, int8)
    ops = ov.opset13
    shape = [1, n, *_conv_shape(n)] if form == "conv1x1" else [n, n]
    a = ops.parameter(shape, ov.Type.f32, name="a")
    weights = np.random.default_rng(0).uniform(-1.0, 1.0, (n, n)).astype(np.float32)
    if form == "conv1x1":
        weights = weights.reshape(n, n, 1, 1)
    b = ops.parameter([n, n], ov.Type.f32, name="b") if form == "matmul" else ops.constant(weights)
    x, y = a, b
    if int8:
        x = ops.fake_quantize(a, *(_limit(ov, v) for v in (0, 2.55, 0, 2.55)), 256)
        y = ops.fake_quantize(b, *(_limit(ov, v) for v in (-1.27, 1.27, -1.27, 1.27)), 255)
    if form == "conv1x1":
        out = ops.convolution(x, y, [1, 1], [0, 0], [0, 0], [1, 1])
    else:
        out = ops.matmul(x, y, False, False)
    return ov.Model([out], [a, b] if form == "matmul" else [a], f"{form}_{n}")


def _matmul_node(compiled: Any) -> tuple[str, str, str]:
    """Layer type, runtime precision and primitive of the compiled model's MatMul, FullyConnected or
    Convolution node."""
    for op in compiled.get_runtime_model().get_ops():
        info = op.get_rt_info()
        layer, precision, primitive = (str(info[key].astype(str)) for key in ("layerType", "runtimePrecision",
                                                                               "primitiveType"))  # fmt: skip
        if layer in ("MatMul", "FullyConnected", "Convolution"):
            return layer, precision, primitive
    return "none", "none", "no MatMul in the runtime graph"


def _best_seconds(request: Any) -> float:
    """Best time after a warm-up: MIN_REPEATS runs, then more until SIZE_BUDGET_S is spent (MAX_REPEATS)."""
    request.infer()
    best, spent = float("inf"), 0.0
    for index in range(MAX_REPEATS):
        if index >= MIN_REPEATS and spent > SIZE_BUDGET_S:
            break
        start = time.perf_counter()
        request.infer()
        took = time.perf_counter() - start
        best, spent = min(best, took), spent + took
    return best


def _time_matmul(ov: ModuleType, key: str, n: int, form: str, threads: int | None) -> _Run:
    """One size and form of one precision: compiled with the OpenVINO runner's CPU properties and timed."""
    model = _matmul_model(ov, n, key == CPU_INT8, form)
    compiled = compile_cpu(shared_core(ov), model, threads, _HINTS[key])
    request = compiled.create_infer_request()
    rng = np.random.default_rng(1)
    shape = tuple(int(d) for d in model.input(0).get_shape())
    request.set_input_tensor(0, ov.Tensor(rng.uniform(0.0, 2.5, shape).astype(np.float32)))
    if form == "matmul":
        request.set_input_tensor(1, ov.Tensor(rng.uniform(-1.0, 1.0, (n, n)).astype(np.float32)))
    gflops = 2 * n**3 * (CHAIN if form == "fc-chain" else 1) / _best_seconds(request) / 1e9
    layer, precision, primitive = _matmul_node(compiled)
    layer = f"{CHAIN} chained {layer}" if form == "fc-chain" else layer
    return _Run(gflops, layer, precision, primitive, int(compiled.get_property("INFERENCE_NUM_THREADS")))


def openvino_peak(ov: ModuleType, key: str, threads: int | None, sizes: tuple[int, ...] = SIZES,
                  capped: bool = False) -> Peak:  # fmt: skip
    """The best rate of one precision on OpenVINO over ``sizes`` and ``FORMS`` that ran in that precision (a
    form that did not is skipped, and under an ONEDNN_MAX_CPU_ISA cap (``capped``) one that ran MLAS, which
    ignores the cap); None with the reason where none did."""
    best: tuple[int, _Run] | None = None
    refused: list[str] = []
    for n in sizes:
        for form in FORMS:
            run = _time_matmul(ov, key, n, form, threads)
            if run.precision not in _RUNTIME[key]:
                refused.append(f"OpenVINO ran the {_NAMES[key]} {run.layer} in {run.precision} ({run.primitive})")
            elif capped and "mlas" in run.primitive:
                refused.append(f"OpenVINO ran the {_NAMES[key]} {run.layer} on MLAS ({run.primitive}), which "
                               "ignores ONEDNN_MAX_CPU_ISA")  # fmt: skip
            elif best is None or run.gflops > best[1].gflops:
                best = (n, run)
    if best is None:
        return Peak(None, f"not measured: {refused[0]}" if refused else "not measured: no matmul size given")
    n, run = best
    version = ov.__version__.split("-")[0]
    layer = f"{run.layer} 1x1" if run.layer == "Convolution" else run.layer
    return Peak(run.gflops, f"OpenVINO {version} {layer} {n}^3 {_NAMES[key]} ({run.primitive}), "
                            f"{run.threads} threads")  # fmt: skip


def _last_line(exc: BaseException) -> str:
    """OpenVINO's errors open with the source files they passed through; the last line says what failed."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[-1] if lines else type(exc).__name__


def torch_fp32_peak(threads: int | None, why: str) -> Peak:
    """The fallback FP32 peak, torch's 2048^3 matmul as before the OpenVINO peaks; ``why`` says why OpenVINO
    did not measure it."""
    with torch_threads(threads):
        gflops = matmul_peak_gflops("cpu")
        count = torch.get_num_threads()
    return Peak(gflops, f"torch {torch.__version__} mm 2048^3 fp32, {count} threads ({why})")


def matmul_peak_gflops(device: str = "cpu", dtype: torch.dtype = torch.float32, n: int | None = None,
                       repeats: int = 5) -> float:  # fmt: skip
    """Best-of-``repeats`` GFLOP/s of an n x n x n matmul in torch, with the current thread count.

    TF32 is disabled for float32 on CUDA (the fp32 backends run without it).
    """
    n = n or (2048 if device == "cpu" else 8192)
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    previous = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        best = float("inf")
        for index in range(repeats + 1):
            if device != "cpu":
                torch.cuda.synchronize()
            start = time.perf_counter()
            torch.mm(a, b)
            if device != "cpu":
                torch.cuda.synchronize()
            if index:  # the first run is a warm-up
                best = min(best, time.perf_counter() - start)
    finally:
        torch.backends.cuda.matmul.allow_tf32 = previous
    return 2 * n**3 / best / 1e9


@contextmanager
def torch_threads(count: int | None) -> Iterator[None]:
    """torch's intra-op thread count set to ``count`` inside the block, the previous count restored after
    (nothing changes when ``count`` is None)."""
    if not count:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def measure_cpu_peaks(threads: int | None = None, sizes: tuple[int, ...] = SIZES,
                      environ: Mapping[str, str] | None = None) -> dict[str, Peak]:  # fmt: skip
    """``cpu-fp32``, ``cpu-bf16`` and ``cpu-int8`` with ``threads`` inference threads (OpenVINO's default
    where None, as its runners). BF16 only where it runs (``ONEDNN_MAX_CPU_ISA`` in ``environ`` honoured)."""
    try:
        ov = openvino()
    except UnavailableError as exc:
        missing = Peak(None, f"not measured: {exc}")
        return {CPU_FP32: torch_fp32_peak(threads, "OpenVINO is not installed"), CPU_BF16: missing, CPU_INT8: missing}
    peaks: dict[str, Peak] = {}
    for key in (CPU_FP32, CPU_BF16, CPU_INT8):
        if key == CPU_BF16 and (reason := bf16_unavailable_reason(environ=environ)):
            peaks[key] = Peak(None, f"not measured: {reason}")
            continue
        try:
            peaks[key] = openvino_peak(ov, key, threads, sizes, capped=onednn_cap(environ) is not None)
        except Exception as exc:  # noqa: BLE001 - OpenVINO raises RuntimeError and its own types
            peaks[key] = Peak(None, f"not measured: OpenVINO failed: {_last_line(exc)}")
    if (fp32 := peaks[CPU_FP32]).gflops is None:
        peaks[CPU_FP32] = torch_fp32_peak(threads, f"OpenVINO's f32 matmul was {fp32.kernel}")
    return peaks


def gflops_by_key(peaks: Mapping[str, Peak]) -> dict[str, float | None]:
    """GFLOP/s by peak key (what records and ``Floor`` read)."""
    return {key: peak.gflops for key, peak in peaks.items()}


def describe(key: str, peak: Peak) -> str:
    """``cpu-int8: 812.3 GFLOP/s (OpenVINO ... MatMul 2048^3 ...)``, or the key and why it was not measured."""
    return f"{key}: {peak.kernel}" if peak.gflops is None else f"{key}: {peak.gflops:.1f} GFLOP/s ({peak.kernel})"
