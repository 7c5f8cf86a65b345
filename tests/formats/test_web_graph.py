"""The web bundle's graph (``formats.web_graph``): the norms written out as two-pass means, the same model."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from ugatit_deploy import load_generator
from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.core.optional import ort_session
from ugatit_deploy.core.reference_images import reference_batch
from ugatit_deploy.export.onnx_graph import GraphOptions, export_graph
from ugatit_deploy.formats.web_graph import NORMS, two_pass_norms


@pytest.fixture(scope="module")
def graphs():
    model = export_graph(load_generator(shapes_model_path()), GraphOptions())
    return model, two_pass_norms(model)


@pytest.mark.slow  # exports the shapes model's graph
def test_no_norm_op_or_local_function_is_left(graphs):
    original, written = graphs
    assert original.functions and not written.functions
    assert not [n for n in written.graph.node if n.op_type in NORMS]
    onnx.checker.check_model(written, full_check=True)


@pytest.mark.slow
def test_the_written_out_graph_computes_the_same_images_on_real_photos(graphs):
    original, written = graphs
    photos = reference_batch(64, 0).numpy()
    before = ort_session(original).run(["output"], {"input": photos})[0]
    after = ort_session(written).run(["output"], {"input": photos})[0]
    assert np.abs(after - before).max() <= 1e-4


def _one(op: str, x: np.ndarray) -> onnx.ModelProto:
    """One norm node over ``x``'s shape (scale 1, bias 0), opset 18."""
    shape, channels = list(x.shape), x.shape[1]
    if op == "InstanceNormalization":
        weights = [numpy_helper.from_array(np.ones(channels, np.float32), "s"),
                   numpy_helper.from_array(np.zeros(channels, np.float32), "b")]  # fmt: skip
        node = helper.make_node(op, ["x", "s", "b"], ["y"], epsilon=1e-5)
    else:
        weights = [numpy_helper.from_array(np.ones(shape[1:], np.float32), "s")]
        node = helper.make_node(op, ["x", "s"], ["y"], axis=1, epsilon=1e-5)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)], weights)  # fmt: skip
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])


@pytest.mark.parametrize(("op", "axes"), [("InstanceNormalization", (2, 3)), ("LayerNormalization", (1, 2, 3))])
def test_each_norm_written_out_is_within_float32_rounding_of_float64_even_far_from_zero(op, axes):
    """An activation map whose mean is 20 standard deviations from zero: two-pass means stay exact."""
    x = (np.random.default_rng(0).standard_normal((1, 4, 128, 128)) + 20).astype(np.float32)
    x64 = x.astype(np.float64)
    exact = (x64 - x64.mean(axis=axes, keepdims=True)) / np.sqrt(x64.var(axis=axes, keepdims=True) + 1e-5)
    got = ort_session(two_pass_norms(_one(op, x))).run(["y"], {"x": x})[0]
    assert np.abs(got - exact).max() <= 5e-6  # ONNX Runtime's fused InstanceNormalization: 9.7e-6


def test_an_older_opset_is_refused():
    model = _one("InstanceNormalization", np.zeros((1, 1, 4, 4), np.float32))
    model.opset_import[0].version = 17
    with pytest.raises(ValueError, match="opset 18"):
        two_pass_norms(model)
