"""FP16 ONNX: FP16 convolutions and activations, FP32 graph I/O, normalization in FP32.

The conversion runs on the function-mode graph, where each AdaILN/ILN is one ``ugatit`` node: blocking
those nodes (and the encoder's InstanceNormalization) keeps every normalization statistic, the
sqrt((N-1)/N) factors and the rho mix in FP32. Squared deviations of activations of a few hundred
overflow FP16's 65504, the known cause of NaN/black images in FP16 generator engines.
"""

from __future__ import annotations

import warnings

import onnx

FP32_OPS = ("InstanceNormalization", "LayerNormalization", "AdaILN", "ILN", "AdaLIN", "LIN")


def convert_to_fp16(model: onnx.ModelProto) -> onnx.ModelProto:
    """FP16 copy of an FP32 function-mode graph (inputs and outputs stay float32)."""
    from onnxconverter_common import float16

    # A custom block list *replaces* the default one (which protects Resize and friends): extend it.
    block = list(float16.DEFAULT_OP_BLOCK_LIST) + [op for op in FP32_OPS if op not in float16.DEFAULT_OP_BLOCK_LIST]
    with warnings.catch_warnings():
        # One warning per weight whose magnitude is below 1e-7 (clamped to +/-1e-7): harmless, and hundreds.
        warnings.filterwarnings("ignore", message="the float32 number .* will be truncated", category=UserWarning)
        return float16.convert_float_to_float16(model, keep_io_types=True, op_block_list=block)
