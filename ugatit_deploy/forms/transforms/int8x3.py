"""FP32-grade convolutions from INT8 kernels (``fp32-int8x3``): each convolution as three INT8 products of
digits (8-bit for the input, 7-bit for the weights), the splitting that the Ozaki scheme uses to run
high-precision matrix products on low-precision units.

One convolution ``y = conv(x, W) + b``, with calibrated activation range ``[lo, hi]``:

- ``x = x_hi + x_lo``: ``x_hi`` is x quantized to uint8 over the (widened) range (scale s), ``x_lo`` the rest,
  quantized to uint8 with scale s / 255 around zero point 128: together about 16 bits;
- ``W = W_hi + W_lo``: per output channel, ``W_hi`` in ``weight_bits``-bit steps of s_w, ``W_lo`` the rest in
  steps of s_w / (2 * qmax);
- ``y = conv(x_hi, W_hi) + conv(x_hi, W_lo) + conv(x_lo, W_hi) + b``; the ``x_lo * W_lo`` term (about 2^-14 of
  y) is left out.

Each product is a plain Q/DQ convolution that ONNX Runtime and OpenVINO run on their INT8 kernels, with int32
sums and a float output. Three INT8 products cost less than one FP32 convolution where INT8 is much faster than
FP32 (AMX, VNNI); the fast path and the bench time it against the other modes. 7-bit weight digits by default,
as in ``int8-cpu``: CPUs without VNNI sum u8 x s8 pairs in 16 bits, which full-range weights saturate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ...core.errors import ExportError
from .graph_rewrite import replace_nodes

DEFAULT_WEIGHT_BITS = 7
# The calibrated range is widened by this factor about its centre: a value beyond it would clip the high digit
# and leave the low digit a remainder it cannot hold.
RANGE_MARGIN = 1.5


@dataclass(frozen=True)
class Range:
    """The values one convolution's input took on the calibration images."""

    low: float
    high: float


def conv_input_ranges(model: onnx.ModelProto, batches: Sequence[np.ndarray]) -> dict[str, Range]:
    """Min and max of every constant-weight convolution's input over ``batches`` (ONNX Runtime, FP32)."""
    from ...core.optional import ort_session

    if not batches:
        raise ExportError("fp32-int8x3 needs calibration images for its activation ranges")
    inputs = list(dict.fromkeys(node.input[0] for node in _convs(model)))
    probe = onnx.ModelProto.FromString(model.SerializeToString())
    probe.graph.output.extend(helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in inputs)
    session = ort_session(probe)
    feed = session.get_inputs()[0].name
    low, high = dict.fromkeys(inputs, np.inf), dict.fromkeys(inputs, -np.inf)
    for batch in batches:
        for name, value in zip(inputs, session.run(inputs, {feed: batch.astype(np.float32)}), strict=True):
            low[name], high[name] = min(low[name], float(value.min())), max(high[name], float(value.max()))
    return {name: Range(low[name], high[name]) for name in inputs}


def _convs(model: onnx.ModelProto) -> list[onnx.NodeProto]:
    return [model.graph.node[index] for index in _conv_indices(model)]


def _conv_indices(model: onnx.ModelProto) -> list[int]:
    weights = {init.name for init in model.graph.initializer}
    return [i for i, node in enumerate(model.graph.node) if node.op_type == "Conv" and node.input[1] in weights]


def activation_scale(rng: Range, margin: float = RANGE_MARGIN) -> tuple[float, int]:
    """The high digit's uint8 scale and zero point: ``rng`` widened by ``margin`` about its centre, with 0 in it."""
    centre, half = (rng.low + rng.high) / 2, (rng.high - rng.low) / 2 * margin
    low, high = min(centre - half, 0.0), max(centre + half, 0.0)
    scale = (high - low) / 255 if high > low else 1.0
    return scale, int(np.clip(round(-low / scale), 0, 255))


def weight_digits(weight: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``weight`` (K x ...) as int8 digits: (hi, hi scales, lo, lo scales), per output channel;
    ``weight ~ hi * s_hi + lo * s_lo``, both digits within +-(2^(bits-1) - 1)."""
    qmax = 2 ** (bits - 1) - 1
    flat = weight.reshape(weight.shape[0], -1).astype(np.float64)
    s_hi = np.abs(flat).max(axis=1) / qmax
    s_hi[s_hi == 0] = 1.0
    hi = np.clip(np.round(flat / s_hi[:, None]), -qmax, qmax)
    s_lo = s_hi / (2 * qmax)
    lo = np.clip(np.round((flat - hi * s_hi[:, None]) / s_lo[:, None]), -qmax, qmax)
    shape = weight.shape
    return (hi.astype(np.int8).reshape(shape), s_hi.astype(np.float32), lo.astype(np.int8).reshape(shape),
            s_lo.astype(np.float32))  # fmt: skip


def _split(node: onnx.NodeProto, weight: np.ndarray, rng: Range, bits: int) -> tuple[list, list]:
    """The nodes and initializers replacing one convolution."""
    key = f"{node.name or node.output[0]}/int8x3"
    scale, zero = activation_scale(rng)
    hi, s_hi, lo, s_lo = weight_digits(weight, bits)
    zeros = np.zeros(weight.shape[0], np.int8)
    arrays = {"w_hi": hi, "w_hi_scale": s_hi, "w_lo": lo, "w_lo_scale": s_lo, "w_zero": zeros,
              "x_scale": np.float32(scale), "x_zero": np.uint8(zero), "r_scale": np.float32(scale / 255),
              "r_zero": np.uint8(128)}  # fmt: skip
    inits = [numpy_helper.from_array(np.asarray(value), f"{key}/{name}") for name, value in arrays.items()]

    def k(name: str) -> str:
        return f"{key}/{name}"

    def op(kind: str, inputs: list[str], output: str, **attrs: object) -> onnx.NodeProto:
        return helper.make_node(kind, inputs, [node.output[0] if output == "y" else k(output)], k(output), **attrs)

    conv = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    bias = [node.input[2]] if len(node.input) > 2 and node.input[2] else []
    x = node.input[0]
    nodes = [
        op("DequantizeLinear", [k("w_hi"), k("w_hi_scale"), k("w_zero")], "W_hi", axis=0),
        op("DequantizeLinear", [k("w_lo"), k("w_lo_scale"), k("w_zero")], "W_lo", axis=0),
        op("QuantizeLinear", [x, k("x_scale"), k("x_zero")], "xq"),
        op("DequantizeLinear", [k("xq"), k("x_scale"), k("x_zero")], "x_hi"),
        op("Sub", [x, k("x_hi")], "r"),
        op("QuantizeLinear", [k("r"), k("r_scale"), k("r_zero")], "rq"),
        op("DequantizeLinear", [k("rq"), k("r_scale"), k("r_zero")], "x_lo"),
        op("Conv", [k("x_hi"), k("W_hi"), *bias], "hh", **conv),
        op("Conv", [k("x_hi"), k("W_lo")], "hl", **conv),
        op("Conv", [k("x_lo"), k("W_hi")], "lh", **conv),
        op("Add", [k("hh"), k("hl")], "sum"),
        op("Add", [k("sum"), k("lh")], "y"),
    ]
    return nodes, inits


def int8x3_form(model: onnx.ModelProto, ranges: dict[str, Range],
                weight_bits: int = DEFAULT_WEIGHT_BITS) -> tuple[onnx.ModelProto, list[str]]:  # fmt: skip
    """A copy of an FP32 generator graph with every constant-weight convolution as three INT8 products
    (``ranges``: ``conv_input_ranges`` of the same graph), and the names of the convolutions rewritten."""
    if weight_bits not in (7, 8):
        raise ExportError(f"fp32-int8x3 weight digits must be 7 or 8 bits, got {weight_bits}")
    model = onnx.ModelProto.FromString(model.SerializeToString())
    weights = {init.name: init for init in model.graph.initializer}
    convs = set(_conv_indices(model))
    if not convs:
        raise ExportError("no convolution with constant weights to rewrite in fp32-int8x3 form")
    missing = sorted({model.graph.node[i].input[0] for i in convs} - set(ranges))
    if missing:
        raise ExportError(f"no calibrated range for the input of {len(missing)} convolutions, e.g. {missing[0]}")
    nodes, inits, rewritten = [], [], []
    for index, node in enumerate(model.graph.node):
        if index not in convs:
            nodes.append(node)
            continue
        weight = numpy_helper.to_array(weights[node.input[1]]).astype(np.float32)
        new_nodes, new_inits = _split(node, weight, ranges[node.input[0]], weight_bits)
        nodes += new_nodes
        inits += new_inits
        rewritten.append(node.name)
    replace_nodes(model, nodes, inits)
    return model, rewritten
