"""fp32-int8x3: FP32-grade convolutions as three INT8 products of digits each."""

from __future__ import annotations

from ..core.errors import ExportError
from ..core.gates import WINOGRAD_FP32_GATE
from .base import BuildContext, FormGraph, GraphForm
from .transforms.int8x3 import conv_input_ranges, int8x3_form


# FP32-grade. Measured against the fp32 graph on OpenVINO (12 held-out photos): 71.4 dB on the official light
# generator, 66.9 dB (worst 65.3) on the trained built-in model.
class Fp32Int8x3(GraphForm):
    name = "fp32-int8x3"
    summary = (
        "FP32-grade convolutions on INT8 kernels: each as three INT8 products of 8-bit input and 7-bit weight "
        "digits (x_hi w_hi + x_hi w_lo + x_lo w_hi, calibrated ranges); fast where INT8 is (AMX, VNNI)"
    )
    gate = WINOGRAD_FP32_GATE
    kernel = "int8"  # three INT8 products per convolution: the direct FLOP count undercounts them 3x
    fp32_grade = True
    calibrated = True
    not_for_tensorrt = "three INT8 products per convolution are a CPU form: build TensorRT's plan from fp32"
    cpu_candidate = True
    # Three INT8 products per convolution: slower than FP32 where INT8 runs at most ~2x FP32 (measured on an AVX2
    # EPYC: OpenVINO 1053 vs 694 ms on the light generator, 124 vs 48 ms on the built-in model; 0.77x eager on a
    # Xeon capped at AVX2, 3.85x with AMX: benchmarks/results/cpu_classes_xeon_amx.md).
    needs_int8_dot = True

    def build(self, context: BuildContext) -> FormGraph:
        if context.calibration is None:
            raise ExportError(f"{self.name} needs calibration images for its activation ranges")
        ranges = conv_input_ranges(context.base, context.calibration.batches)
        model, rewritten = int8x3_form(context.base, ranges)
        context.log(f"  {self.name}: {len(rewritten)} convolutions as three INT8 products each, input ranges "
                    f"from {context.calibration.source}")  # fmt: skip
        return FormGraph(model)
