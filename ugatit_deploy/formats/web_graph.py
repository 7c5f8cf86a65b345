"""The graph a web bundle ships: the norms written out as two-pass means, each over one axis at a time.

onnxruntime-web's WebAssembly ``InstanceNormalization`` is 15x further from float64 than native ONNX Runtime's
(1.8e-5 against 1.2e-6 on a 256 x 256 input), and the generator runs one (and a ``LayerNormalization``) in every
norm layer: the page ended 0.8-1.4e-3 from native ONNX Runtime on the built-in model. Written out, each norm is a
mean (``ReduceMean`` over the last axis, then the next: a row of 256 values at a time), the deviations, their mean
square, then scale and shift. The same graph on native ONNX Runtime is 5.4e-6 from the float64 PyTorch model on the
built-in model, where its fused kernels are 1.9e-4 and PyTorch's float32 8.5e-6
(``benchmarks/results/web_bundle.md``).
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper

from ..core.onnx_contract import inline_norms

NORMS = ("InstanceNormalization", "LayerNormalization")


def _attribute(node: onnx.NodeProto, name: str, default: float | int) -> float | int:
    found = next((a for a in node.attribute if a.name == name), None)
    return default if found is None else helper.get_attribute_value(found)


class _Writer:
    """New nodes and constants, named after the norm they replace."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.constants: dict[str, onnx.TensorProto] = {}

    def constant(self, name: str, value: np.ndarray) -> str:
        self.constants.setdefault(name, numpy_helper.from_array(value, name))
        return name

    def op(self, op_type: str, inputs: list[str], output: str, **attributes: int) -> str:
        self.nodes.append(helper.make_node(op_type, inputs, [output], f"{output}_{op_type}", **attributes))
        return output

    def mean(self, x: str, axes: tuple[int, ...], out: str) -> str:
        """The mean over ``axes``, one axis at a time from the last (ReduceMean with axes as input: opset >= 18)."""
        for axis in sorted(axes, reverse=True):
            axis_name = self.constant(f"web_norm_axis{axis}", np.array([axis], np.int64))
            x = self.op("ReduceMean", [x, axis_name], f"{out}_over{axis}", keepdims=1)
        return x

    def normalized(self, x: str, axes: tuple[int, ...], epsilon: float, tag: str) -> str:
        """(x - mean) / sqrt(mean((x - mean)^2) + epsilon) over ``axes``: the two-pass variance."""
        deviation = self.op("Sub", [x, self.mean(x, axes, f"{tag}_mean")], f"{tag}_dev")
        square = self.op("Mul", [deviation, deviation], f"{tag}_sq")
        eps = self.constant(f"{tag}_eps", np.array(epsilon, np.float32))
        variance = self.op("Add", [self.mean(square, axes, f"{tag}_var"), eps], f"{tag}_var_eps")
        return self.op("Div", [deviation, self.op("Sqrt", [variance], f"{tag}_std")], f"{tag}_norm")

    def replace(self, node: onnx.NodeProto, tag: str) -> None:
        """One norm node as the ops above, writing the node's own output."""
        epsilon = float(_attribute(node, "epsilon", 1e-5))
        if node.op_type == "InstanceNormalization":
            shape = self.constant("web_norm_channels", np.array([-1, 1, 1], np.int64))
            scale = self.op("Reshape", [node.input[1], shape], f"{tag}_scale")
            bias = self.op("Reshape", [node.input[2], shape], f"{tag}_bias")
            scaled = self.op("Mul", [self.normalized(node.input[0], (2, 3), epsilon, tag), scale], f"{tag}_scaled")
            self.op("Add", [scaled, bias], node.output[0])
            return
        if _attribute(node, "axis", -1) != 1:
            raise ValueError(f"{node.name}: LayerNormalization over axis 1 (C, H, W) expected")
        scaled = self.op("Mul", [self.normalized(node.input[0], (1, 2, 3), epsilon, tag), node.input[1]],
                         f"{tag}_scaled")  # fmt: skip
        has_bias = len(node.input) > 2 and node.input[2]
        self.op("Add" if has_bias else "Identity", [scaled, node.input[2]] if has_bias else [scaled], node.output[0])


def two_pass_norms(model: onnx.ModelProto) -> onnx.ModelProto:
    """``model`` with the norm functions inlined and every InstanceNormalization / LayerNormalization written out."""
    if not any(o.domain == "" and o.version >= 18 for o in model.opset_import):
        raise ValueError("two_pass_norms needs opset 18 or later (ReduceMean's axes as an input)")
    inlined = inline_norms(model)
    writer = _Writer()
    for index, node in enumerate(inlined.graph.node):
        if node.op_type in NORMS:
            writer.replace(node, f"web_norm{index}")
        else:
            writer.nodes.append(node)
    del inlined.graph.node[:]
    inlined.graph.node.extend(writer.nodes)
    inlined.graph.initializer.extend(writer.constants.values())
    return inlined
