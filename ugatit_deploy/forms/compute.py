"""Compute hints: what a runtime is told about how to run a file, declared by a backend's modes only.

A hint with a ``kernel`` changes the arithmetic of the float layers (OpenVINO's bf16 precision hint, torch's
fp16 autocast) and so how a run is labelled and gated (``registry.label``); one without (OpenVINO's
throughput hint) only changes how the work is scheduled.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.gates import FP16_GATE, Gate


@dataclass(frozen=True)
class ComputeHint:
    name: str
    summary: str
    kernel: str | None = None  # the arithmetic it sets for float layers (``base.KERNELS``); None: scheduling only
    gate: Gate | None = None  # the gate of a float file computed so (a hint with a kernel has one)
    min_batch: int = 1  # the smallest batch it runs (throughput: parallel requests need two images)


COMPUTE_HINTS: dict[str, ComputeHint] = {
    hint.name: hint
    for hint in (
        # BF16 keeps 8 mantissa bits: measured ~48 dB on the light generator (random weights).
        ComputeHint(
            "bf16",
            "bfloat16 compute of a float32 file's float layers (OpenVINO's inference precision "
            "hint; CPUs with AVX512_BF16 or AMX)",
            "bf16",
            Gate(min_psnr_db=40.0),
        ),  # fmt: skip
        ComputeHint("fp16", "float16 autocast of a float32 model (PyTorch on CUDA)", "fp16", FP16_GATE),
        ComputeHint("throughput", "a batch as parallel infer requests (OpenVINO's throughput hint)", min_batch=2),
    )
}


def hints_of(compute: str) -> tuple[ComputeHint, ...]:
    """``"bf16+throughput"`` -> the hints (unknown names are an error: KeyError names it)."""
    return tuple(COMPUTE_HINTS[name] for name in compute.split("+") if name)


def join_hints(names: tuple[str, ...] | list[str]) -> str:
    """The record's ``compute`` field: hint names in registry order, joined by ``+`` ("" for none)."""
    return "+".join(name for name in COMPUTE_HINTS if name in names)
