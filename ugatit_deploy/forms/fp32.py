"""fp32: the reference graph, float32 throughout."""

from __future__ import annotations

from ..core.gates import Gate
from .base import BuildContext, FormGraph, GraphForm


# Measured: ONNX Runtime's CPU kernels land up to 1.6e-4 from PyTorch FP32 on the official 256 px light
# generator, OpenVINO's up to 6.1e-4 (flat synthetic images), PyTorch FP32 itself 9e-6 from float64: 1e-3
# (1/8 of a uint8 step) still catches any real graph error (those show up at >= 1e-2).
class Fp32(GraphForm):
    name = "fp32"
    summary = "float32, the reference graph"
    gate = Gate(max_abs=1e-3, max_aux_error=1e-3)
    fp32_grade = True
    computes = ("bf16", "fp16", "throughput")
    cpu_candidate = True

    def build(self, context: BuildContext) -> FormGraph:
        return FormGraph(context.base)
