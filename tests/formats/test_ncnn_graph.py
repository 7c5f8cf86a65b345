"""The graph form pnnx converts correctly (``formats.ncnn_graph``): the LayerNorm over C, H, W as
GroupNorm(1), counts from data, no shape arithmetic."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch

from ugatit_deploy import load_generator
from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.export import GraphOptions, export_graph
from ugatit_deploy.export.validate import ort_session
from ugatit_deploy.formats.ncnn_graph import ncnn_graph


@pytest.mark.slow  # pnnx converts the demo model
def test_the_ncnn_graph_has_no_layer_norm_over_channels_and_no_shape_arithmetic():
    model = export_graph(load_generator(shapes_model_path()), GraphOptions())
    rewritten = ncnn_graph(model)
    ops = Counter(node.op_type for node in rewritten.graph.node)
    norms = 2 * 4 + 2  # demo model: 2 AdaILN in each of 4 blocks, 2 ILN
    assert ops["LayerNormalization"] == 0 and ops["ReduceProd"] == 0 and ops["Shape"] == norms  # Reshape-backs
    # encoder (3 + 2 per residual block) + each norm's instance half and its GroupNorm(1) layer half
    assert ops["InstanceNormalization"] == (3 + 2 * 4) + 2 * norms
    x = (torch.rand(2, 3, 48, 80) * 2 - 1).numpy()
    original, converted = (ort_session(m).run(None, {"input": x})[0] for m in (model, rewritten))
    assert np.abs(original - converted).max() < 1e-5  # the same function, at any size
