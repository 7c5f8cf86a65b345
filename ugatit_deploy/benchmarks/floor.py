"""The floor: the model's FLOPs at the benchmarked size and this machine's measured matmul peak.

A backend's share of the peak is (FLOPs per image x images per second) / peak FLOP/s. FLOPs count
convolutions and linear layers only (2 per multiply-accumulate), as the usual GFLOP figures do.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import torch

from ..model import GeneratorConfig
from ..model.cost import count_macs


def model_flops(config: GeneratorConfig, height: int, width: int | None = None) -> int:
    """FLOPs of one image through the generator at height x width (computed on the meta device)."""
    width = width or height
    if not config.light and (height, width) != (config.img_size, config.img_size):
        raise ValueError(f"a full model only runs at {config.img_size} px")
    model = replace(config, img_size=config.img_size).build("meta")
    return 2 * count_macs(model, (1, 3, height, width))


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


def measure_peaks(threads: int | None = None) -> dict[str, float | None]:
    """Matmul peaks in GFLOP/s by ``peak_key``: CPU FP32 with ``threads`` torch threads (default: the
    current count), and where CUDA is present CUDA FP32 (no TF32) and FP16."""
    with torch_threads(threads):
        peaks: dict[str, float | None] = {"cpu-fp32": matmul_peak_gflops("cpu")}
    if torch.cuda.is_available():
        peaks["cuda-fp32"] = matmul_peak_gflops("cuda", torch.float32)
        peaks["cuda-fp16"] = matmul_peak_gflops("cuda", torch.float16)
    return peaks


def peak_key(device: str, precision: str) -> str:
    """Which measured peak a backend on ``device`` (a registry device: cpu, cuda) at ``precision`` is
    compared with."""
    if device == "cpu":
        return "cpu-fp32"  # no CPU half/int8 matmul peak is measured: the FP32 peak is the reference line
    return "cuda-fp32" if precision == "fp32" else "cuda-fp16"
