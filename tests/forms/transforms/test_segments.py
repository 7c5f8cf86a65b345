"""A graph run piece by piece (``forms.transforms.segments``): each node once, a kept tensor's change seen by
the nodes after it, and a tensor forgotten once nothing still to run reads it."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from ugatit_deploy.forms.transforms import segments
from ugatit_deploy.forms.transforms.segments import SegmentRunner


def _graph() -> onnx.ModelProto:
    """input -> Relu -> a; a + c -> b; b * a -> output (a read twice: it stays kept until the Mul runs)."""
    nodes = [helper.make_node("Relu", ["input"], ["a"], "relu"), helper.make_node("Add", ["a", "c"], ["b"], "add"),
             helper.make_node("Mul", ["b", "a"], ["output"], "mul")]  # fmt: skip
    c = numpy_helper.from_array(np.full((1, 2, 1, 1), 0.5, np.float32), "c")
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 2, 2, 2])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, None)], [c])  # fmt: skip
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])


BATCHES = [np.arange(-4, 4, dtype=np.float32).reshape(1, 2, 2, 2), np.ones((1, 2, 2, 2), np.float32)]


def test_a_tensor_is_what_the_whole_graph_computes():
    runner = SegmentRunner(_graph(), BATCHES)
    outputs = runner.compute("output")
    for batch, output in zip(BATCHES, outputs, strict=True):
        a = np.maximum(batch, 0)
        np.testing.assert_array_equal(output, (a + 0.5) * a)


def test_a_change_to_a_kept_tensor_reaches_the_nodes_run_after_it():
    runner = SegmentRunner(_graph(), BATCHES)
    for a in runner.compute("a"):
        a += 1.0
    outputs = runner.compute("output")
    a = np.maximum(BATCHES[1], 0) + 1.0
    np.testing.assert_array_equal(outputs[1], (a + 0.5) * a)


def test_a_tensor_is_kept_while_a_node_still_to_run_reads_it_then_forgotten():
    runner = SegmentRunner(_graph(), BATCHES)
    runner.compute("b")
    assert set(runner.kept) == {"a", "b"}  # the Mul still reads both
    runner.compute("output")
    assert set(runner.kept) == set()


def test_every_node_runs_once(monkeypatch):
    ran = []
    session = segments._session
    monkeypatch.setattr(segments, "_session",
                        lambda model: ran.extend(n.name for n in model.graph.node) or session(model))  # fmt: skip
    runner = SegmentRunner(_graph(), BATCHES)
    for name in ("a", "b", "output"):
        runner.compute(name)
    assert ran == ["relu", "add", "mul"]


def test_a_forgotten_tensor_cannot_be_asked_again():
    runner = SegmentRunner(_graph(), BATCHES)
    runner.compute("output")
    with pytest.raises(ValueError, match="output was computed and forgotten"):
        runner.compute("output")
