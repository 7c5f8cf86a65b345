"""The floor: the model's FLOPs at the benchmarked size and this machine's measured matmul peaks, one per
device and precision (``peak_key``; the CPU's in ``peaks``).

A backend's share of its peak is (FLOPs per image x images per second) / peak FLOP/s. FLOPs count
convolutions and linear layers only (2 per multiply-accumulate), as the usual GFLOP figures do.
"""

from __future__ import annotations

from dataclasses import replace

import torch

from ..backends.registry import BROWSER
from ..forms import kernel_of
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


# The peak each kernel (``forms.KERNELS``) is held to, per device. x86 has no FP16 arithmetic: FP16 files compute
# in FP32. On CUDA every reduced precision meets the tensor cores' FP16 peak.
_PEAKS = {"cpu": {"fp32": CPU_FP32, "fp16": CPU_FP32, "bf16": CPU_BF16, "int8": CPU_INT8},
          "cuda": {"fp32": "cuda-fp32", "fp16": "cuda-fp16", "bf16": "cuda-fp16", "int8": "cuda-fp16"}}  # fmt: skip
_PEAKS[BROWSER] = _PEAKS["cpu"]  # a page runs WebAssembly on this CPU: held to the same peaks


def peak_key(device: str, form: str, compute: str = "") -> str:
    """Which measured peak a run on ``device`` (a registry device: cpu, cuda) of a ``form`` file under the
    ``compute`` hints is compared with: the peak of the arithmetic its convolutions run in (``forms.kernel_of``:
    an INT8 form's INT8 also where OpenVINO runs its float layers in BF16; fp32-int8x3's three INT8 products,
    which the direct FLOP count undercounts 3x; a float file's BF16 under the bf16 hint)."""
    return _PEAKS[device][kernel_of(form, compute)]
