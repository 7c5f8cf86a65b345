"""The floor: the model's FLOPs at the benchmarked size and this machine's measured matmul peaks, one per
device and precision (``peak_key``; the CPU's in ``peaks``).

A backend's share of its peak is (FLOPs per image x images per second) / peak FLOP/s. FLOPs count
convolutions and linear layers only (2 per multiply-accumulate), as the usual GFLOP figures do.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from ..core.precisions import FP32_GRADE_PRECISIONS, INT8_KERNEL_PRECISIONS
from ..model import GeneratorConfig
from ..model.cost import count_macs
from .peaks import CPU_BF16, CPU_FP32, CPU_INT8, Peak, matmul_peak_gflops, measure_cpu_peaks


def model_flops(config: GeneratorConfig, height: int, width: int | None = None) -> int:
    """FLOPs of one image through the generator at height x width (computed on the meta device)."""
    width = width or height
    if not config.light and (height, width) != (config.img_size, config.img_size):
        raise ValueError(f"a full model only runs at {config.img_size} px")
    model = replace(config, img_size=config.img_size).build("meta")
    return 2 * count_macs(model, (1, 3, height, width))


def measure_peaks(threads: int | None = None) -> dict[str, Peak]:
    """Peaks by ``peak_key``, each with the kernel that measured it: the CPU's FP32, BF16 and INT8 peaks
    with ``threads`` threads (``peaks.measure_cpu_peaks``), and where CUDA is present CUDA FP32 (no TF32)
    and FP16 (torch matmuls)."""
    peaks: dict[str, Peak] = dict(measure_cpu_peaks(threads))
    if torch.cuda.is_available():
        name = torch.cuda.get_device_name()
        for key, dtype, label in (("cuda-fp32", torch.float32, "fp32, no TF32"), ("cuda-fp16", torch.float16, "fp16")):
            peaks[key] = Peak(matmul_peak_gflops("cuda", dtype), f"torch {torch.__version__} mm 8192^3 {label}, {name}")
    return peaks


def peak_key(device: str, precision: str) -> str:
    """Which measured peak a backend on ``device`` (a registry device: cpu, cuda) at ``precision`` is
    compared with: on the CPU, BF16 with the BF16 peak, every INT8 precision with the INT8 peak (also where
    OpenVINO runs an INT8 file's float layers in BF16: its convolutions are INT8; and fp32-int8x3, whose
    three INT8 products per convolution the direct FLOP count undercounts 3x), FP32 and FP16 with the
    FP32 peak (x86 has no FP16 arithmetic; FP16 files compute in FP32)."""
    if device == "cpu":
        if precision == "bf16":
            return CPU_BF16
        return CPU_INT8 if precision in INT8_KERNEL_PRECISIONS else CPU_FP32
    return "cuda-fp32" if precision in FP32_GRADE_PRECISIONS else "cuda-fp16"
