"""The Winograd graph form (``forms.transforms.winograd``): the same images as the direct convolutions, fewer
multiply-adds, a fixed size; and the ``fp32-winograd`` export that writes it."""

from __future__ import annotations

from collections import Counter

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from ugatit_deploy import load_generator
from ugatit_deploy.core.errors import ExportError
from ugatit_deploy.core.metadata import read_sidecar
from ugatit_deploy.core.reference_images import reference_batch
from ugatit_deploy.export import GraphOptions, export_checkpoint
from ugatit_deploy.export.onnx_graph import export_graph
from ugatit_deploy.export.validate import ort_session
from ugatit_deploy.forms.transforms.winograd import winograd_form

pytestmark = pytest.mark.slow  # its fixtures export or train (seconds each): not the inner loop


def _three_by_three(model: onnx.ModelProto) -> int:
    """The dense 3x3 stride-1 convolutions of a graph."""
    count = 0
    for node in model.graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type == "Conv" and attrs.get("kernel_shape") == [3, 3] and attrs.get("strides") == [1, 1]:
            count += 1
    return count


@pytest.fixture(scope="module")
def light_graph(tiny_checkpoints) -> onnx.ModelProto:
    return export_graph(load_generator(tiny_checkpoints["light"]), GraphOptions())


@pytest.mark.parametrize("tile", [2, 4])
def test_the_form_computes_the_direct_graphs_images_within_float_rounding(light_graph, tile):
    form, rewritten = winograd_form(light_graph, 64, tile)
    x = reference_batch(64)[:3].numpy()
    want = ort_session(light_graph).run(None, {"input": x})[0]
    got = ort_session(form).run(None, {"input": x})[0]
    assert np.abs(got - want).max() < 1e-4
    assert len(rewritten) == _three_by_three(light_graph) == 10  # 2 x 2 per residual block pair, 2 upsampling


def test_every_3x3_stride_1_convolution_is_rewritten_and_none_stays(light_graph):
    form, _ = winograd_form(light_graph, 64)
    assert _three_by_three(form) == 0
    ops = Counter(node.op_type for node in form.graph.node)
    assert ops["MatMul"] == 4 * 10  # G g G^T (two), the products and the output transform of each
    assert ops["Conv"] == Counter(n.op_type for n in light_graph.graph.node)["Conv"]  # the input transforms


def test_the_transformed_weights_are_computed_in_the_graph_so_the_file_keeps_the_fp32_size(light_graph):
    form, _ = winograd_form(light_graph, 64)
    assert form.ByteSize() < 1.05 * light_graph.ByteSize()  # stored: 4x the weights (36 / 9 per kernel)
    assert {init.name for init in light_graph.graph.initializer} <= {init.name for init in form.graph.initializer}


def test_the_form_fixes_height_and_width_and_keeps_a_dynamic_batch(light_graph):
    form, _ = winograd_form(light_graph, 64)
    dims = [d.dim_param or d.dim_value for d in form.graph.input[0].type.tensor_type.shape.dim]
    assert dims == ["batch", 3, 64, 64]
    x = reference_batch(64)[:1].numpy()
    assert ort_session(form).run(None, {"input": np.concatenate([x] * 5)})[0].shape == (5, 3, 64, 64)


def test_convolutions_whose_size_the_tiles_do_not_divide_stay_direct(light_graph):
    form, rewritten = winograd_form(light_graph, 72)  # the 18 x 18 bottleneck: 18 is no multiple of 4
    assert len(rewritten) == 2 and _three_by_three(form) == 8  # the two upsampling convs (36, 72 px) only
    x = torch.nn.functional.interpolate(reference_batch(64)[:1], size=(72, 72)).numpy()
    want = ort_session(light_graph).run(None, {"input": x})[0]
    assert np.abs(ort_session(form).run(None, {"input": x})[0] - want).max() < 1e-4


def test_a_graph_with_no_convolution_the_tiles_fit_is_refused():
    with pytest.raises(ExportError, match=r"no 3x3 stride-1 convolution of this graph fits Winograd F\(4x4, 3x3\)"):
        winograd_form(_one_conv(7, bias=False)[0], 7)


def test_an_unknown_tile_is_refused(light_graph):
    with pytest.raises(ExportError, match="Winograd tile must be one of 2, 4, got 3"):
        winograd_form(light_graph, 64, 3)


def _one_conv(size: int, bias: bool) -> tuple[onnx.ModelProto, np.ndarray]:
    """A graph of one 5 -> 6 channel 3x3 Conv with a ``size`` x ``size`` output, and an input batch."""
    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array(rng.standard_normal((6, 5, 3, 3)).astype(np.float32), "w")]
    inits += [numpy_helper.from_array(rng.standard_normal(6).astype(np.float32), "b")] if bias else []
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 5, size + 2, size + 2])
    y = helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 6, size, size])
    conv = helper.make_node("Conv", ["input", "w", *(["b"] if bias else [])], ["output"], "conv", kernel_shape=[3, 3])
    graph = helper.make_graph([conv], "one", [x], [y], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    return model, rng.standard_normal((2, 5, size + 2, size + 2)).astype(np.float32)


def test_a_convolution_with_a_bias_keeps_it():
    model, data = _one_conv(8, bias=True)
    form, rewritten = winograd_form(model, 8)
    want = ort_session(model).run(None, {"input": data})[0]
    assert rewritten == ["conv"]
    assert np.abs(ort_session(form).run(None, {"input": data})[0] - want).max() < 1e-4


def test_fp32_winograd_export_is_fp32_grade_with_a_fixed_size(tiny_checkpoints, tmp_path):
    (path,) = export_checkpoint(tiny_checkpoints["light"], out=tmp_path, precisions=("fp32-winograd",),
                                log=lambda _: None)  # fmt: skip
    record = read_sidecar(path)
    assert path.name == "tiny_light_a2b_fp32-winograd.onnx"
    assert record.precision == "fp32-winograd" and record.validation.passed
    assert record.io.input.shape == ("batch", 3, 64, 64)
    assert min(case.psnr_db for case in record.validation.cases.values()) >= 60
    assert max(case.max_abs for case in record.validation.cases.values()) <= 1e-3  # as fp32 itself, here
    assert not any("x" in label for label in record.validation.cases)  # no other size: the file has one
    generator = load_generator(tiny_checkpoints["light"])
    x = reference_batch(64)[:2]
    with torch.no_grad():
        want = generator(x)[0].numpy()
    got = ort_session(onnx.load(path)).run(None, {"input": x.numpy()})[0]
    assert np.abs(got - want).max() <= 1e-4


def test_a_runner_of_the_file_takes_its_size_only(tiny_checkpoints, tmp_path):
    from ugatit_deploy.backends import BackendError, create_backend

    (path,) = export_checkpoint(tiny_checkpoints["light"], out=tmp_path, precisions=("fp32-winograd",),
                                log=lambda _: None)  # fmt: skip
    runner = create_backend("onnxruntime-cpu", path)
    runner.load()
    assert runner.light is False and runner.img_size == 64  # the light generator's file has one size
    assert runner.run(reference_batch(64)[:1].numpy()).shape == (1, 3, 64, 64)
    with pytest.raises(BackendError, match="Got invalid dimensions for input"):
        runner.run(np.zeros((1, 3, 72, 72), np.float32))
