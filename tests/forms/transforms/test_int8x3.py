"""The INT8-digit form (``forms.transforms.int8x3``): every convolution as three INT8 products whose sum is FP32-grade,
digits that cannot saturate 16-bit pair sums, and the ``fp32-int8x3`` export that writes it."""

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
from ugatit_deploy.core.parity import image_parity
from ugatit_deploy.core.reference_images import photo_variants, reference_batch
from ugatit_deploy.export import GraphOptions, export_checkpoint
from ugatit_deploy.export.onnx_graph import export_graph
from ugatit_deploy.export.validate import ort_session
from ugatit_deploy.forms.transforms.int8x3 import Range, activation_scale, conv_input_ranges, int8x3_form, weight_digits

pytestmark = pytest.mark.slow  # its fixtures export or train (seconds each): not the inner loop


@pytest.fixture(scope="module")
def light_graph(tiny_checkpoints) -> onnx.ModelProto:
    return export_graph(load_generator(tiny_checkpoints["light"]), GraphOptions())


@pytest.fixture(scope="module")
def photos() -> np.ndarray:
    return photo_variants(64).numpy()


def _convs(model: onnx.ModelProto) -> int:
    return Counter(node.op_type for node in model.graph.node)["Conv"]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("bits", [7, 8])
def test_weight_digits_rebuild_the_weights_within_half_a_low_step_and_stay_in_range(seed, bits):
    rng = np.random.default_rng(seed)
    weight = (rng.standard_normal((16, 8, 3, 3)) * rng.uniform(1e-3, 10.0, (16, 1, 1, 1))).astype(np.float32)
    weight[3] = 0.0  # a dead output channel
    hi, s_hi, lo, s_lo = weight_digits(weight, bits)
    qmax = 2 ** (bits - 1) - 1
    assert hi.dtype == lo.dtype == np.int8 and np.abs(hi).max() <= qmax and np.abs(lo).max() <= qmax
    rebuilt = hi * s_hi[:, None, None, None].astype(np.float64) + lo * s_lo[:, None, None, None]
    assert np.all(np.abs(rebuilt - weight) <= s_lo[:, None, None, None] * 0.5 + 1e-7 * np.abs(weight))
    assert not rebuilt[3].any()


def test_seven_bit_digits_cannot_saturate_a_16_bit_sum_of_two_u8_x_s8_products():
    hi, _, lo, _ = weight_digits(np.random.default_rng(0).standard_normal((4, 4, 3, 3)).astype(np.float32), 7)
    assert 2 * 255 * int(max(np.abs(hi).max(), np.abs(lo).max())) <= 2**15 - 1  # vpmaddubsw on CPUs without VNNI


def test_the_activation_range_is_widened_about_its_centre_and_holds_zero():
    scale, zero = activation_scale(Range(1.0, 3.0))  # widened to [0.5, 3.5], then to hold 0
    assert scale == pytest.approx(3.5 / 255) and zero == 0
    scale, zero = activation_scale(Range(-2.0, 2.0))
    assert scale == pytest.approx(6.0 / 255) and zero == 128
    assert activation_scale(Range(0.0, 0.0)) == (1.0, 0)  # a constant-zero input


def test_the_form_computes_the_fp32_graphs_images_at_fp32_grade(light_graph, photos):
    form, rewritten = int8x3_form(light_graph, conv_input_ranges(light_graph, [photos]))
    want = ort_session(light_graph).run(None, {"input": photos})[0]
    got = ort_session(form).run(None, {"input": photos})[0]
    assert len(rewritten) == _convs(light_graph)
    assert image_parity(want, got).psnr_db >= 60


def test_every_convolution_becomes_three_and_no_float_weight_stays(light_graph, photos):
    form, _ = int8x3_form(light_graph, conv_input_ranges(light_graph, [photos]))
    ops = Counter(node.op_type for node in form.graph.node)
    assert ops["Conv"] == 3 * _convs(light_graph)
    assert ops["QuantizeLinear"] == 2 * _convs(light_graph)  # the high digit and the remainder
    float_weights = {node.input[1] for node in light_graph.graph.node if node.op_type == "Conv"}
    assert not float_weights & {init.name for init in form.graph.initializer}


def test_the_ranges_are_the_min_and_max_each_convolution_input_took(light_graph, photos):
    ranges = conv_input_ranges(light_graph, [photos[:2], photos[2:]])
    first = next(node for node in light_graph.graph.node if node.op_type == "Conv").input[0]
    assert len(ranges) <= _convs(light_graph) and all(r.low <= r.high for r in ranges.values())
    probe = conv_input_ranges(light_graph, [photos])
    assert ranges == probe  # one batch or two: the same extremes
    assert ranges[first].low >= photos.min() - 1e-6 and ranges[first].high <= photos.max() + 1e-6


def test_a_convolution_with_no_range_no_images_or_bad_bits_is_refused(light_graph, photos):
    with pytest.raises(ExportError, match=r"no calibrated range for the input of \d+ convolutions"):
        int8x3_form(light_graph, {})
    with pytest.raises(ExportError, match="needs calibration images"):
        conv_input_ranges(light_graph, [])
    with pytest.raises(ExportError, match="must be 7 or 8 bits, got 4"):
        int8x3_form(light_graph, conv_input_ranges(light_graph, [photos]), weight_bits=4)


def test_a_graph_without_a_constant_weight_convolution_is_refused():
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 8, 8])
    graph = helper.make_graph([helper.make_node("Relu", ["input"], ["y"])], "g", [x], [y])
    with pytest.raises(ExportError, match="no convolution with constant weights"):
        int8x3_form(helper.make_model(graph), {})


def test_a_bias_is_added_once():
    rng = np.random.default_rng(1)
    weight, bias = rng.standard_normal((4, 3, 3, 3)).astype(np.float32), np.full(4, 5.0, np.float32)
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 10, 10])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])
    node = helper.make_node("Conv", ["input", "w", "b"], ["y"], "conv", kernel_shape=[3, 3])
    inits = [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")]
    model = helper.make_model(
        helper.make_graph([node], "g", [x], [y], inits), opset_imports=[helper.make_opsetid("", 18)]
    )
    data = rng.uniform(-1, 1, (1, 3, 10, 10)).astype(np.float32)
    form, rewritten = int8x3_form(model, conv_input_ranges(model, [data]))
    want = ort_session(model).run(None, {"input": data})[0]
    assert rewritten == ["conv"]
    assert np.abs(ort_session(form).run(None, {"input": data})[0] - want).max() < 1e-3


def test_fp32_int8x3_export_is_fp32_grade(tiny_checkpoints, tmp_path):
    (path,) = export_checkpoint(tiny_checkpoints["light"], out=tmp_path, precisions=("fp32-int8x3",),
                                log=lambda _: None)  # fmt: skip
    record = read_sidecar(path)
    assert path.name == "tiny_light_a2b_fp32-int8x3.onnx"
    assert record.precision == "fp32-int8x3" and record.validation.passed
    assert min(case.psnr_db for case in record.validation.cases.values()) >= 60
    generator = load_generator(tiny_checkpoints["light"])
    x = reference_batch(64)[:2]
    with torch.no_grad():
        want = generator(x)[0].numpy()
    got = ort_session(onnx.load(path)).run(None, {"input": x.numpy()})[0]
    assert image_parity(want, got).psnr_db >= 60
