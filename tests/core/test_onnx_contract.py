"""The ONNX contract (``core.onnx_contract``): graph I/O names and dims, layer names, the norm functions."""

from __future__ import annotations

import pytest
from support.models import TINY, make_generator

from ugatit_deploy.core.onnx_contract import INPUT_NAME, NORM_DOMAIN, OUTPUT_NAMES, conv_layers, dim_names, inline_norms
from ugatit_deploy.export import GraphOptions, export_graph

pytestmark = pytest.mark.slow  # its fixtures export or train (seconds each): not the inner loop


@pytest.fixture(scope="module")
def graph():
    return export_graph(make_generator(TINY), GraphOptions(outputs="all"))


def test_io_names_are_the_contract_every_runner_uses(graph):
    assert INPUT_NAME == "input" and OUTPUT_NAMES == ("output", "cam_logit", "heatmap")
    assert [i.name for i in graph.graph.input] == [INPUT_NAME] and [o.name for o in graph.graph.output] == list(
        OUTPUT_NAMES
    )


def test_dims_are_symbolic_for_light_models_and_fixed_for_full_ones():
    assert dim_names(light=True, dynamic_batch=True, img_size=256) == {
        "input": ["batch", 3, "height", "width"], "output": ["batch", 3, "height", "width"],
        "cam_logit": ["batch", 2], "heatmap": ["batch", 1, "height/4", "width/4"],
    }  # fmt: skip
    full = dim_names(light=False, dynamic_batch=False, img_size=256)
    assert full["input"] == [1, 3, 256, 256] and full["heatmap"] == [1, 1, 64, 64]


def test_layer_names_are_the_generators_module_paths(graph):
    layers = list(conv_layers(graph).values())
    assert layers[0] == "DownBlock.1" and layers[-1] == "UpBlock2.11" and "conv1x1" in layers
    assert len(layers) == len(set(layers))


def test_inlining_removes_the_norm_functions_and_their_domain(graph):
    assert {f.name for f in graph.functions} == {"AdaILN", "ILN"}
    inlined = inline_norms(graph)
    assert not inlined.functions and all(op.domain != NORM_DOMAIN for op in inlined.opset_import)
    assert {n.op_type for n in inlined.graph.node} >= {"InstanceNormalization", "LayerNormalization"}
