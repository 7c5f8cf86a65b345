"""ONNX operators TensorRT's ONNX parser supports, to reject a graph TensorRT could not build.

Source: onnx/onnx-tensorrt ``docs/operators.md``, "TensorRT 10.15 supports operators in the inclusive
range of opset 9 to opset 24" (the operators marked Y). TensorRT 11.x parses up to opset 25 and keeps
this set. Restrictions that matter for U-GAT-IT graphs: QuantizeLinear / DequantizeLinear need zero
points of 0 (symmetric quantization); Resize supports nearest/linear with asymmetric, half_pixel,
pytorch_half_pixel, tf_half_pixel_for_nn and align_corners coordinates; Slice/Reduce* want constant axes.
Model-local functions are inlined by the parser; any other custom-domain op must be a plugin.
"""

from __future__ import annotations

import onnx
import onnx.numpy_helper

TENSORRT_VERSION_OF_LIST = "10.15"
MAX_OPSET = 24

SUPPORTED_OPS = frozenset(
    """
    Abs Acos Acosh Add And ArgMax ArgMin Asin Asinh Atan Atanh Attention AveragePool BatchNormalization
    BlackmanWindow Cast CastLike Ceil Celu Clip Concat Constant ConstantOfShape Conv ConvTranspose Cos Cosh
    CumSum DeformConv DepthToSpace DequantizeLinear Div Dropout Einsum Elu Equal Erf Exp Expand EyeLike
    Flatten Floor Gather GatherElements GatherND Gelu Gemm GlobalAveragePool GlobalLpPool GlobalMaxPool
    Greater GreaterOrEqual GridSample GroupNormalization GRU HammingWindow HannWindow HardSigmoid HardSwish
    Hardmax Identity If ImageScaler InstanceNormalization IsInf IsNaN LayerNormalization LeakyRelu Less
    LessOrEqual Log LogSoftmax Loop LRN LSTM LpNormalization LpPool MatMul Max MaxPool Mean
    MeanVarianceNormalization Min Mish Mod Mul Neg NonMaxSuppression NonZero Not OneHot Or Pad
    ParametricSoftplus Pow PRelu QuantizeLinear RandomNormal RandomNormalLike RandomUniform
    RandomUniformLike Range Reciprocal ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax ReduceMean
    ReduceMin ReduceProd ReduceSum ReduceSumSquare Relu Reshape Resize ReverseSequence RMSNormalization RNN
    RoiAlign RotaryEmbedding Round STFT ScaledTanh Scan Scatter ScatterElements ScatterND Selu Shape Shrink
    Sigmoid Sign Sin Sinh Size Slice Softmax Softplus Softsign SpaceToDepth Split Sqrt Squeeze Sub Sum Tan
    Tanh TensorScatter ThresholdedRelu Tile TopK Transpose Trilu Unsqueeze Upsample Where Xor
    """.split()
)


def unsupported_ops(model: onnx.ModelProto) -> list[str]:
    """Ops TensorRT cannot parse: default-domain ops outside SUPPORTED_OPS, and custom-domain ops that
    are not model-local functions (whose bodies are checked instead)."""
    local = {(f.domain, f.name) for f in model.functions}
    nodes = list(model.graph.node) + [n for f in model.functions for n in f.node]
    bad = set()
    for node in nodes:
        if node.domain in ("", "ai.onnx"):
            if node.op_type not in SUPPORTED_OPS:
                bad.add(node.op_type)
        elif (node.domain, node.op_type) not in local:
            bad.add(f"{node.domain}.{node.op_type}")
    return sorted(bad)


def nonzero_zero_points(model: onnx.ModelProto) -> list[str]:
    """QuantizeLinear/DequantizeLinear nodes whose zero point is not all zeros (TensorRT refuses them)."""
    initializers = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    bad = []
    for node in model.graph.node:
        if node.op_type in ("QuantizeLinear", "DequantizeLinear") and len(node.input) > 2 and node.input[2]:
            zero_point = initializers.get(node.input[2])
            if zero_point is None or zero_point.any():
                bad.append(node.name or node.output[0])
    return bad
