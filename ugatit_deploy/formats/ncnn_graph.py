"""The graph form ncnn's converter (pnnx) turns into a correct ncnn model.

Measured on the project's inline export: pnnx maps ``LayerNormalization(axis=1)`` (over C, H, W) to ncnn
``LayerNorm`` with ``affine_size = C*H*W``, which ncnn computes per channel, i.e. as an instance norm: the
whole generator came out 1.2-1.9 away from PyTorch. Written as the pattern torch exports for
GroupNorm(1) (Reshape to B x 1 x CHW, InstanceNormalization, Reshape back), pnnx emits ncnn ``GroupNorm``
and the generator matches PyTorch to ~6e-5. pnnx also folds Shape arithmetic into constants at its
``inputshape``: the unbiased fold's element counts are taken from the data instead, so the ncnn model runs
at any size, as the ONNX does.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

from ..core.onnx_contract import inline_norms


def _constant(name: str, value: np.ndarray) -> onnx.NodeProto:
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(value, name))


def _constant_value(node: onnx.NodeProto) -> np.ndarray:
    value = helper.get_attribute_value(node.attribute[0])
    return numpy_helper.to_array(value) if isinstance(value, onnx.TensorProto) else np.asarray(value)


def _layer_norm_as_group_norm(node: onnx.NodeProto, index: int) -> list[onnx.NodeProto]:
    """LayerNormalization(X, ones) over axes 1.. -> Reshape(B, 1, -1), InstanceNormalization, Reshape back."""
    epsilon = next((helper.get_attribute_value(a) for a in node.attribute if a.name == "epsilon"), 1e-5)
    p = f"ncnn_ln{index}_"
    return [
        _constant(p + "flat", np.array([0, 1, -1], np.int64)),
        _constant(p + "one", np.ones(1, np.float32)),
        _constant(p + "zero", np.zeros(1, np.float32)),
        helper.make_node("Reshape", [node.input[0], p + "flat"], [p + "x3"]),
        helper.make_node("InstanceNormalization", [p + "x3", p + "one", p + "zero"], [p + "n3"], epsilon=epsilon),
        helper.make_node("Shape", [node.input[0]], [p + "shape"]),
        helper.make_node("Reshape", [p + "n3", p + "shape"], [node.output[0]]),
    ]


def _counts_from_data(x: str, channels: int, index: int) -> tuple[list[onnx.NodeProto], str, str]:
    """N = H*W and C*H*W of ``x`` as B x 1 x 1 x 1 tensors computed from its values (no Shape)."""
    p = f"ncnn_n{index}_"
    nodes = [
        _constant(p + "s0", np.array([0], np.int64)), _constant(p + "s1", np.array([1], np.int64)),
        _constant(p + "axis", np.array([1], np.int64)), _constant(p + "axes", np.array([1, 2, 3], np.int64)),
        _constant(p + "zero", np.array(0, np.float32)), _constant(p + "one", np.array(1, np.float32)),
        _constant(p + "c", np.array(float(channels), np.float32)),
        helper.make_node("Slice", [x, p + "s0", p + "s1", p + "axis"], [p + "first"]),
        helper.make_node("Mul", [p + "first", p + "zero"], [p + "zeros"]),
        helper.make_node("Add", [p + "zeros", p + "one"], [p + "ones"]),
        helper.make_node("ReduceSum", [p + "ones", p + "axes"], [p + "hw"], keepdims=1),
        helper.make_node("Mul", [p + "hw", p + "c"], [p + "chw"]),
    ]  # fmt: skip
    return nodes, p + "hw", p + "chw"


def ncnn_graph(model: onnx.ModelProto) -> onnx.ModelProto:
    """An inline copy of an exported FP32 graph in the form pnnx converts correctly (see the module doc)."""
    inlined = inline_norms(model) if model.functions else model
    inferred = onnx.shape_inference.infer_shapes(inlined)
    values = [*inferred.graph.value_info, *inferred.graph.input]
    channels = {v.name: v.type.tensor_type.shape.dim[1].dim_value for v in values
                if len(v.type.tensor_type.shape.dim) == 4}  # fmt: skip
    producer = {output: node for node in inlined.graph.node for output in node.output}
    nodes: list[onnx.NodeProto] = []
    counted: dict[str, tuple[str, str]] = {}
    for node in inlined.graph.node:
        if node.op_type == "LayerNormalization":
            nodes += _layer_norm_as_group_norm(node, len(nodes))
        elif node.op_type == "ReduceProd":  # N_I / N_L of the unbiased fold: ReduceProd(Slice(Cast(Shape(X))))
            sliced = producer[node.input[0]]
            x = producer[producer[sliced.input[0]].input[0]].input[0]
            if x not in counted:
                count_nodes, hw, chw = _counts_from_data(x, channels[x], len(nodes))
                nodes += count_nodes
                counted[x] = (hw, chw)
            start = int(_constant_value(producer[sliced.input[1]]).reshape(-1)[0])
            nodes.append(helper.make_node("Identity", [counted[x][0 if start == 2 else 1]], [node.output[0]]))
        else:
            nodes.append(node)
    live = {o.name for o in inlined.graph.output}
    kept = []
    for node in reversed(nodes):  # drop what nothing reads any more (the Shape chains)
        if any(output in live for output in node.output):
            kept.append(node)
            live.update(name for name in node.input if name)
    rewritten = onnx.ModelProto()
    rewritten.CopyFrom(inlined)
    del rewritten.graph.node[:]
    rewritten.graph.node.extend(reversed(kept))
    onnx.checker.check_model(rewritten)
    return rewritten
