"""The tiny_exports graph (``export.onnx_graph``): I/O names, dynamic axes, sizes."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch

from ugatit_deploy import load_generator
from ugatit_deploy.core.reference_images import reference_batch
from ugatit_deploy.export import GraphOptions, export_checkpoint
from ugatit_deploy.export.validate import ort_session


def _run(path, x):
    return ort_session(onnx.load(path)).run(None, {"input": x})


def test_graph_io_names_and_dynamic_axes(tiny_exports):
    light = onnx.load(tiny_exports["light"]["fp32"])
    dims = {v.name: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in list(light.graph.input) + list(light.graph.output)}  # fmt: skip
    assert dims == {
        "input": ["batch", 3, "height", "width"],
        "output": ["batch", 3, "height", "width"],
        "cam_logit": ["batch", 2],
        "heatmap": ["batch", 1, "height/4", "width/4"],
    }
    full = onnx.load(tiny_exports["full"]["fp32"])
    assert [d.dim_param or d.dim_value for d in full.graph.input[0].type.tensor_type.shape.dim] == [
        "batch",
        3,
        64,
        64,
    ]


@pytest.mark.slow
@pytest.mark.parametrize("size", [(32, 48), (96, 64), (128, 128)])
def test_light_model_runs_at_other_sizes_with_dynamic_hw(tiny_exports, tiny_checkpoints, size):
    generator = load_generator(tiny_checkpoints["light"])
    x = torch.nn.functional.interpolate(reference_batch(64)[:2], size=size, mode="bilinear")
    with torch.no_grad():
        expected = generator(x)[0].numpy()
    assert np.abs(_run(tiny_exports["light"]["fp32"], x.numpy())[0] - expected).max() <= 1e-4


def test_full_model_refuses_another_size(tiny_exports):
    with pytest.raises(Exception, match="(?i)dimension|shape|got"):
        _run(tiny_exports["full"]["fp32"], np.zeros((1, 3, 32, 32), np.float32))


@pytest.mark.slow
def test_static_batch_export(tiny_checkpoints, tmp_path):
    (path,) = export_checkpoint(tiny_checkpoints["light"], out=tmp_path / "s.onnx",
                                options=GraphOptions(dynamic_batch=False), log=lambda _: None)  # fmt: skip
    dims = [d.dim_param or d.dim_value for d in onnx.load(path).graph.input[0].type.tensor_type.shape.dim]
    assert dims == [1, 3, "height", "width"]
