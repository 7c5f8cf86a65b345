"""fp32-winograd: float32 with the 3x3 convolutions as Winograd F(4x4, 3x3) in plain ONNX ops."""

from __future__ import annotations

from ..core.gates import WINOGRAD_FP32_GATE
from .base import BuildContext, FormGraph, GraphForm
from .transforms.winograd import winograd_form


# Judged FP32-grade as the Winograd runtimes are (its transforms round differently). Measured: 9.5e-6 max abs
# from the fp32 graph on the official light generator, 7.7e-4 from PyTorch on the trained built-in model (the
# fp32 graph's own: 7.6e-4), 92-97 dB.
class Fp32Winograd(GraphForm):
    name = "fp32-winograd"
    summary = (
        "float32 with the 3x3 convolutions as Winograd F(4x4, 3x3) in plain ONNX ops, 4x fewer multiply-adds "
        "for runtimes without a Winograd kernel (ONNX Runtime, OpenVINO); fixed height and width"
    )
    gate = WINOGRAD_FP32_GATE
    fp32_grade = True
    winograd = True  # its rate may pass the matmul peak
    fixed_size = True  # its tile grid fixes the height and width
    not_for_tensorrt = "TensorRT picks its own 3x3 convolution kernels: build its plan from fp32"
    cpu_candidate = True

    def build(self, context: BuildContext) -> FormGraph:
        model, rewritten = winograd_form(context.base, context.img_size)
        context.log(f"  {self.name}: {len(rewritten)} 3x3 convolutions in Winograd F(4x4, 3x3) form")
        return FormGraph(model)
