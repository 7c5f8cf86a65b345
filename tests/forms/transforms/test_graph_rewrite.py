"""Rewriting a graph's nodes (``forms.transforms.graph_rewrite``): the initializers the new nodes read stay,
the others go."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from ugatit_deploy.forms.transforms.graph_rewrite import replace_nodes


def test_replaced_nodes_keep_the_initializers_they_read_and_drop_the_rest():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])
    inits = [numpy_helper.from_array(np.ones(2, np.float32), name) for name in ("old", "kept")]
    graph = helper.make_graph([helper.make_node("Add", ["x", "old"], ["y"])], "g", [x], [y], inits)
    model = helper.make_model(graph)
    new = numpy_helper.from_array(np.full(2, 3.0, np.float32), "new")
    nodes = [helper.make_node("Add", ["x", "kept"], ["t"]), helper.make_node("Mul", ["t", "new"], ["y"])]
    replace_nodes(model, nodes, [new])
    assert [node.op_type for node in model.graph.node] == ["Add", "Mul"]
    assert [init.name for init in model.graph.initializer] == ["kept", "new"]
