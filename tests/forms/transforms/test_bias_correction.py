"""Bias correction of QDQ graphs (``forms.transforms.bias_correction``) on a tiny random-weight generator."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import numpy_helper
from support.models import SMALL, make_generator

from ugatit_deploy.export.onnx_graph import GraphOptions, export_graph
from ugatit_deploy.export.validate import ort_session
from ugatit_deploy.forms import FORMS
from ugatit_deploy.forms.transforms.bias_correction import (
    _REFERENCE,
    MeansTap,
    conv_biases,
    conv_outputs,
    correct_biases,
    correct_biases_by_rerunning,
    mean_errors,
    quantized_convs,
    reference_means,
)
from ugatit_deploy.forms.transforms.int8 import _calibrate, calibration_set
from ugatit_deploy.forms.transforms.int8_options import QuantRecipe

pytestmark = pytest.mark.slow  # calibration, then the corrections


@pytest.fixture(scope="module")
def graphs():
    """The FP32 graph of a tiny generator, its calibration images, and its int8-cpu graph without and with
    bias correction."""
    fp32 = export_graph(make_generator(SMALL, seed=3), GraphOptions())
    batches = calibration_set(None, 8, {}, "a2b", SMALL.img_size).batches
    plain = FORMS["int8-cpu"].quantize(fp32, batches, None, recipe=QuantRecipe("minmax", bias_correction=False))
    return fp32, batches, plain, correct_biases(fp32, plain, batches)


def _worst(errors: dict[str, np.ndarray]) -> float:
    return max(float(np.abs(e).max()) for e in errors.values())


def test_the_correction_takes_the_per_channel_mean_error_to_about_zero_on_the_calibration_images(graphs):
    fp32, batches, plain, corrected = graphs
    before, after = _worst(mean_errors(fp32, plain, batches)), _worst(mean_errors(fp32, corrected, batches))
    assert before > 1e-3  # quantizing shifts the means
    assert after < before / 20


def test_every_quantized_conv_gets_an_int32_bias_scaled_by_input_times_weight_scale(graphs):
    """The form ORT fuses into one int8 convolution (and OpenVINO folds): the bias stays quantized."""
    _, _, plain, corrected = graphs
    producers = {out: node for node in corrected.graph.node for out in node.output}
    weights = {t.name: numpy_helper.to_array(t) for t in corrected.graph.initializer}
    convs = quantized_convs(corrected)
    assert len(convs) == len(quantized_convs(plain)) > 0
    for conv in convs:
        dequantize = producers[conv.input[2]]
        assert dequantize.op_type == "DequantizeLinear" and weights[dequantize.input[0]].dtype == np.int32
        x_scale = weights[producers[conv.input[0]].input[1]]
        w_scale = weights[producers[conv.input[1]].input[1]]
        np.testing.assert_array_equal(weights[dequantize.input[1]], (x_scale * w_scale).astype(np.float32))


def test_the_corrected_graph_is_valid_and_runs_fused_on_onnx_runtime(graphs):
    fp32, batches, _, corrected = graphs
    onnx.checker.check_model(corrected, full_check=True)
    out = ort_session(corrected).run(["output"], {"input": batches[0]})[0]
    reference = ort_session(fp32).run(["output"], {"input": batches[0]})[0]
    assert np.isfinite(out).all() and np.abs(out - reference).mean() < 0.05


def test_a_tensorrt_style_graph_gets_float_biases_tensorrt_can_read(graphs):
    """TensorRT dequantizes no int32 tensors: its graphs get the correction as a float bias."""
    fp32, batches, _, _ = graphs
    plain = FORMS["int8"].quantize(fp32, batches, None, recipe=QuantRecipe("minmax", bias_correction=False))
    corrected = correct_biases(fp32, plain, batches, quantized=False)
    initializers = {t.name: t for t in corrected.graph.initializer}
    convs = quantized_convs(corrected)
    assert convs and all(initializers[c.input[2]].data_type == onnx.TensorProto.FLOAT for c in convs)
    assert onnx.TensorProto.INT32 not in {t.data_type for t in corrected.graph.initializer}


@pytest.mark.parametrize("form", ["int8-cpu", "int8"])
def test_one_pass_gives_the_biases_of_running_the_graph_again_for_each_layer(graphs, form):
    """Each node runs once, the corrections added to the kept outputs: the biases equal the layer-by-layer
    definition's, but for a rounding step where float sums in another order land on the other side."""
    fp32, batches, _, _ = graphs
    plain = FORMS[form].quantize(fp32, batches, None, recipe=QuantRecipe("minmax", bias_correction=False))
    quantized = form == "int8-cpu"
    fast, slow = conv_biases(correct_biases(fp32, plain, batches, quantized=quantized)), conv_biases(
        correct_biases_by_rerunning(fp32, plain, batches[:16], quantized))
    assert fast.keys() == slow.keys() and len(fast) > 3
    for name in fast:
        if quantized:
            assert np.abs(fast[name].astype(np.int64) - slow[name]).max() <= 1, name  # int32 steps
        else:
            np.testing.assert_allclose(fast[name], slow[name], rtol=1e-4, atol=1e-6, err_msg=name)



def test_the_calibration_pass_gives_bias_correction_the_means_of_a_pass_of_its_own(graphs, tmp_path):
    """The calibrator's session, tapped, sums the FP32 conv outputs' channel means as ``channel_means`` does: the
    same numbers to the bit, kept where ``reference_means`` finds them."""
    fp32, batches, _, _ = graphs
    onnx.save(fp32, tmp_path / "fp32.onnx")
    _REFERENCE.clear()
    tap = _calibrate(tmp_path / "fp32.onnx", batches, QuantRecipe().with_bits(7), tmp_path / "ranges.json")
    assert tap.runs == len(batches) and tap.remember(fp32, batches)
    tapped = reference_means(fp32, batches[:16])  # found, not computed
    _REFERENCE.clear()
    computed = reference_means(fp32, batches[:16])
    assert tapped.keys() == computed.keys() and len(computed) == len(conv_outputs(fp32)) > 3
    for name, means in computed.items():
        np.testing.assert_array_equal(tapped[name], means, err_msg=name)


def test_a_tap_that_saw_no_conv_output_or_not_every_batch_keeps_nothing(graphs):
    fp32, batches, _, _ = graphs
    session = ort_session(fp32)
    blind = MeansTap(session, conv_outputs(fp32))
    for batch in batches:
        blind.run(["output"], {"input": batch})  # the conv outputs are not among the graph's outputs
    assert not blind.remember(fp32, batches)
    unused = MeansTap(session, conv_outputs(fp32))
    assert not unused.remember(fp32, batches)
