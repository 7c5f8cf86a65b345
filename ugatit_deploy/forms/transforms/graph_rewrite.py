"""Shared by the graph forms that rewrite an exported graph's convolutions (``winograd``, ``int8x3``)."""

from __future__ import annotations

from collections.abc import Sequence

import onnx


def replace_nodes(model: onnx.ModelProto, nodes: Sequence[onnx.NodeProto],
                  initializers: Sequence[onnx.TensorProto]) -> None:  # fmt: skip
    """Give ``model``'s graph these nodes, the new ``initializers`` and those of its own that the nodes still
    read (weights a rewrite replaced are dropped, so the file does not carry them)."""
    used = {name for node in nodes for name in node.input}
    kept = [init for init in model.graph.initializer if init.name in used]
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    del model.graph.initializer[:]
    model.graph.initializer.extend([*kept, *initializers])
