"""An ONNX graph run piece by piece over a set of images, each node once: ``SegmentRunner.compute(name)`` runs only
the nodes that ``name`` needs and no earlier call ran, from the tensors earlier calls kept, and keeps of the new
tensors those that nodes still to run will read. A caller may change a kept tensor between calls (bias
correction adds its correction to a convolution's output), which the later nodes then read: what recomputing
the graph from its input with the new bias would give, at the cost of one pass instead of one per layer.

Sessions run on ONNX Runtime's CPU provider without graph optimizations: a QDQ graph runs as dequantized
float, node by node, as ``bias_correction`` measures it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnx
from onnx import helper

from ...core.onnx_contract import INPUT_NAME
from ...core.optional import onnxruntime


class SegmentRunner:
    """Runs ``model`` on ``batches`` (one input array each) a segment at a time; ``kept[name]`` holds a tensor's
    value per batch while a node still to run reads it."""

    def __init__(self, model: onnx.ModelProto, batches: Sequence[np.ndarray]) -> None:
        self.model = model
        self.batches = len(batches)
        self.kept: dict[str, list[np.ndarray]] = {INPUT_NAME: list(batches)}
        self._producer = {out: i for i, node in enumerate(model.graph.node) for out in node.output if out}
        self._readers: dict[str, set[int]] = {}
        for i, node in enumerate(model.graph.node):
            for name in node.input:
                self._readers.setdefault(name, set()).add(i)
        self._initializers = {t.name for t in model.graph.initializer}
        self._done: set[int] = set()
        inferred = onnx.shape_inference.infer_shapes(model).graph
        self._types = {v.name: v.type.tensor_type.elem_type for v in (*inferred.value_info, *inferred.output)}

    def _needed(self, name: str) -> list[int]:
        """The nodes not yet run that ``name`` depends on, in graph order."""
        needed, todo = set(), [name]
        while todo:
            index = self._producer.get(todo.pop())
            if index is None or index in needed or index in self._done:
                continue
            needed.add(index)
            todo.extend(self.model.graph.node[index].input)
        return sorted(needed)

    def _segment(self, nodes: list[int], outputs: list[str]) -> onnx.ModelProto:
        """A model of ``nodes`` alone: inputs the kept tensors they read, outputs ``outputs``."""
        graph_nodes = [self.model.graph.node[i] for i in nodes]
        produced = {out for node in graph_nodes for out in node.output}
        read = dict.fromkeys(n for node in graph_nodes for n in node.input if n and n not in produced)
        inputs = [n for n in read if n not in self._initializers]
        segment = onnx.ModelProto()
        segment.CopyFrom(self.model)  # opsets, local functions, metadata
        graph = segment.graph
        del graph.node[:], graph.input[:], graph.output[:], graph.initializer[:], graph.value_info[:]
        graph.node.extend(graph_nodes)
        graph.initializer.extend(t for t in self.model.graph.initializer if t.name in read)
        graph.input.extend(helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(self.kept[n][0].dtype),
                                                         None) for n in inputs)  # fmt: skip
        graph.output.extend(helper.make_tensor_value_info(n, self._types[n], None) for n in outputs)
        return segment

    def compute(self, name: str) -> list[np.ndarray]:
        """``name``'s value per batch (kept until the last node reading it has run)."""
        nodes = self._needed(name)
        if nodes:
            self._done.update(nodes)
            outputs = [out for i in nodes for out in self.model.graph.node[i].output
                       if out and (out == name or self._readers.get(out, set()) - self._done)]  # fmt: skip
            session = _session(self._segment(nodes, outputs))
            feeds = [i.name for i in session.get_inputs()]
            values = [session.run(outputs, {n: self.kept[n][b] for n in feeds}) for b in range(self.batches)]
            for j, out in enumerate(outputs):
                self.kept[out] = [value[j] for value in values]
        if name not in self.kept:
            raise ValueError(f"{name} was computed and forgotten: nothing still to run reads it")
        value = self.kept[name]
        for kept in [n for n in self.kept if not self._readers.get(n, set()) - self._done]:
            del self.kept[kept]  # no node still to run reads it
        return value


def _session(model: onnx.ModelProto):  # noqa: ANN202 - onnxruntime.InferenceSession
    ort = onnxruntime()
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), options, ["CPUExecutionProvider"])
