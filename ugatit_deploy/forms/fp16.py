"""fp16: float16 weights and activations, every normalization in float32."""

from __future__ import annotations

from ..core.gates import FP16_GATE
from .base import BuildContext, FormGraph, GraphForm
from .transforms.fp16 import convert_to_fp16


class Fp16(GraphForm):
    name = "fp16"
    summary = "float16 weights and activations, every normalization in float32"
    gate = FP16_GATE
    kernel = "fp16"
    check_extremes = True
    trt_weak_flags = ("FP16",)

    def build(self, context: BuildContext) -> FormGraph:
        return FormGraph(convert_to_fp16(context.base))
