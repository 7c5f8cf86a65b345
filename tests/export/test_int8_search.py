"""The cheap ``--keep-fp`` search (``export.int8_search``): one quantized graph ranks the layers, a bisection over
the number of the worst kept in float finds the fewest that pass, in at most
ceil(log2 n) + 2 quantized graphs."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from support.models import TINY, make_generator

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.checkpoint import open_generator
from ugatit_deploy.core.errors import ExportError
from ugatit_deploy.core.gates import Gate
from ugatit_deploy.core.metadata import read_sidecar
from ugatit_deploy.core.optional import ort_session
from ugatit_deploy.core.reference_images import photo_variants
from ugatit_deploy.export import GraphOptions, export_checkpoint, export_graph
from ugatit_deploy.export.int8_search import (
    Step,
    bisect_fewest,
    judge,
    nsr,
    rank_by_added_error,
    rank_layers,
    search_bound,
    search_keep_fp,
)
from ugatit_deploy.export.pipeline import AUTO_KEEP_FP_GATE
from ugatit_deploy.export.sensitivity import quantizable_layers, reference_sets
from ugatit_deploy.forms import FORMS
from ugatit_deploy.forms.transforms.int8 import calibration_set
from ugatit_deploy.forms.transforms.int8_options import Int8Options, KeepFp

TINY_GATE = Gate(min_psnr_db=45.0)  # the tiny random model: 39 dB fully quantized, so some layers must stay float


def _bisect(count, passing):
    measured = []

    def measure(k):
        measured.append(k)
        return Step(k, 0.0, 0.0, k in passing)

    answer, steps = bisect_fewest(count, measure, Step(0, 0.0, 0.0, 0 in passing))
    return answer, steps, measured


@pytest.mark.parametrize("fewest", range(1, 19))  # 19, every layer float: one more graph (below)
def test_bisection_finds_the_fewest_passing_count_in_at_most_ceil_log2_n_graphs(fewest):
    answer, steps, measured = _bisect(19, set(range(fewest, 20)))
    assert answer == fewest
    assert len(measured) <= math.ceil(math.log2(19))
    assert [s.kept for s in steps] == [0, *measured]


def test_bisection_measures_nothing_when_the_fully_quantized_graph_passes():
    assert _bisect(19, set(range(20)))[::2] == (0, [])


def test_where_passing_is_not_monotone_the_answer_passed_and_one_fewer_failed():
    """2 passes but is never visited: 9 passes, 4 to 8 fail; the answer is 9 (measured), 8 failed (measured)."""
    answer, steps, _ = _bisect(19, {2, *range(9, 20)})
    passed = {s.kept: s.passes for s in steps}
    assert answer == 9 and passed[9] is True and passed[8] is False


def test_every_layer_in_float_is_measured_when_no_step_passed_and_its_failure_raises():
    with pytest.raises(ExportError, match="not even with all 19 layers in float"):
        _bisect(19, set())
    answer, _, measured = _bisect(19, {19})
    assert answer == 19 and measured == [9, 14, 16, 17, 18, 19]


def test_the_search_bound_is_the_ranking_graph_the_bisection_and_every_layer_float():
    assert [search_bound(n) for n in (1, 2, 7, 11, 19)] == [2, 3, 5, 6, 7]


def test_nsr_is_the_error_variance_over_the_reference_variance_per_image_and_channel():
    reference = np.zeros((2, 3, 4, 4), np.float32)
    reference[..., ::2] = 2.0  # every channel: variance 1
    reference[1, 2] *= 3  # image 1, channel 2: variance 9
    error = np.zeros_like(reference)
    error[..., ::2] = 0.2  # variance 0.01 everywhere
    assert nsr(reference, reference + error) == pytest.approx(
        np.array([[0.01, 0.01, 0.01], [0.01, 0.01, 0.01 / 9]]), rel=1e-5
    )


def test_nsr_of_a_flat_channel_is_taken_over_a_millionth_of_the_mean_channel_variance():
    reference = np.zeros((1, 2, 2, 2), np.float32)
    reference[0, 0, :, 0] = 2.0  # channel 0: variance 1; channel 1: flat; mean channel variance 0.5
    candidate = reference.copy()
    candidate[0, 1, :, 0] = 2e-3  # channel 1's error: variance 1e-6
    assert nsr(reference, candidate)[0] == pytest.approx([0.0, 2.0])


def _two_convs(quantized: bool) -> onnx.ModelProto:
    """input (1 channel) -> conv A (2 channels) -> conv B (3 channels) -> output; ``quantized``: a Q/DQ pair (scale
    0.1, uint8) in front of each conv, as the QDQ graphs put them."""
    rng = np.random.default_rng(0)
    weights = {"A": rng.normal(size=(2, 1, 1, 1)), "B": rng.normal(size=(3, 2, 1, 1))}
    nodes, inits = [], [numpy_helper.from_array(np.float32(0.1), "s"), numpy_helper.from_array(np.uint8(128), "z")]
    source = "input"
    for name, out in (("A", "a"), ("B", "b")):
        inits.append(numpy_helper.from_array(weights[name].astype(np.float32), f"generator.{name}.weight"))
        if quantized:
            nodes += [helper.make_node("QuantizeLinear", [source, "s", "z"], [f"{name}_q"]),
                      helper.make_node("DequantizeLinear", [f"{name}_q", "s", "z"], [f"{name}_dq"])]  # fmt: skip
            source = f"{name}_dq"
        nodes.append(helper.make_node("Conv", [source, f"generator.{name}.weight"], [out], name))
        source = out
    nodes.append(helper.make_node("Identity", ["b"], ["output"]))
    graph = helper.make_graph(nodes, "two", [helper.make_tensor_value_info("input", TensorProto.FLOAT, None)],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, None)], inits)  # fmt: skip
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])


def _exposing(quantized: bool, names: list[str]) -> onnx.ModelProto:
    model = _two_convs(quantized)
    model.graph.output.extend(helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in names)
    return model


def test_a_layer_scores_the_nsr_of_the_float_tensor_its_input_is_quantized_from_and_of_its_output():
    """A maps 1 channel to 2, B 2 to 3: each side's mean is over its own channels. A's input is the graph's (no
    error); B's is A's output; both outputs carry their input's rounding and their own."""
    x = np.random.default_rng(1).uniform(-1, 1, (3, 1, 5, 5)).astype(np.float32)
    sets = {"one": (x[:2], x[:2]), "two": (x[2:], x[2:])}
    ranking, outputs = rank_layers(_two_convs(False), _two_convs(True), ["A", "B"], sets)
    fp32 = ort_session(_exposing(False, ["a"])).run(["a", "output"], {"input": x})
    int8 = ort_session(_exposing(True, ["a"])).run(["a", "output"], {"input": x})
    a, b = nsr(fp32[0], int8[0]).mean(), nsr(fp32[1], int8[1]).mean()
    assert {e.layer: [e.input_nsr, e.output_nsr] for e in ranking} == {"B": pytest.approx([a, b]), "A": [0.0, a]}
    assert [e.layer for e in ranking] == (["A", "B"] if a > b - a else ["B", "A"])
    assert np.concatenate([outputs["one"], outputs["two"]]) == pytest.approx(int8[1])


class CountingForm:
    """An INT8 form that records the layers kept float of every graph it quantizes."""

    def __init__(self, form):
        self.form, self.name, self.kept = form, form.name, []

    def quantize(self, base, batches, folder, keep_fp=(), recipe=None):
        self.kept.append(list(keep_fp))
        return self.form.quantize(base, batches, folder, keep_fp, recipe)


def _case(generator, calib_images, metadata):
    base = export_graph(generator, replace(GraphOptions(), adailn="function"))
    calibration = calibration_set(None, calib_images, metadata, "a2b", 64)
    return base, calibration, reference_sets(generator, calibration, photo_variants(64))


def _step(base, calibration, sets, kept, gate):
    session = ort_session(FORMS["int8-cpu"].quantize(base, calibration.batches, None, kept))
    return judge({n: session.run(["output"], {"input": x})[0] for n, (x, _) in sets.items()}, sets, gate, len(kept))


@pytest.fixture(scope="module", params=["tiny", "shapes"])
def searched(request):
    """The search on the tiny random model (45 dB gate) and on the demo model (--keep-fp auto's gate, 16 images)."""
    if request.param == "tiny":
        case, gate = _case(make_generator(TINY).eval(), 8, {}), TINY_GATE
    else:
        info, generator = open_generator(shapes_model_path(), "a2b")
        case, gate = _case(generator, 16, info.metadata), AUTO_KEEP_FP_GATE
    form, lines, bar = CountingForm(FORMS["int8-cpu"]), [], []
    search = search_keep_fp(*case[:2], form, case[2], gate, log=lines.append, bar=lambda n: FakeBar(n, bar))
    return case, gate, form, search, lines, bar


class FakeBar:
    def __init__(self, total, record):
        self.record = record
        record.append(f"total {total}")

    def update(self, n=1):
        self.record.append(n)

    def close(self):
        self.record.append("closed")


@pytest.mark.slow
def test_the_ranking_holds_every_quantizable_layer_once(searched):
    (base, _, _), _, _, search, _, _ = searched
    assert sorted(e.layer for e in search.ranking) == sorted(quantizable_layers(base))
    assert [e.added for e in search.ranking] == sorted((e.added for e in search.ranking), reverse=True)


@pytest.mark.slow
def test_the_answer_keeps_the_worst_of_the_ranking_in_float_and_some_are_needed(searched):
    _, _, _, search, _, _ = searched
    assert 0 < len(search.kept) < len(search.ranking)
    assert search.kept == [e.layer for e in search.ranking[: len(search.kept)]]


@pytest.mark.slow
def test_the_answer_passes_the_gate_and_one_layer_fewer_fails(searched):
    (base, calibration, sets), gate, _, search, _, _ = searched
    ranked = [e.layer for e in search.ranking]
    k = len(search.kept)
    assert _step(base, calibration, sets, ranked[:k], gate).passes
    assert not _step(base, calibration, sets, ranked[: k - 1], gate).passes


@pytest.mark.slow
def test_the_search_quantizes_at_most_log2_n_plus_3_graphs_the_first_with_every_layer(searched):
    _, _, form, search, _, _ = searched
    assert (
        len(form.kept) == len(search.steps) <= search_bound(len(search.ranking)) <= math.log2(len(search.ranking)) + 3
    )
    assert form.kept[0] == []
    assert [len(kept) for kept in form.kept] == [s.kept for s in search.steps]


@pytest.mark.slow
def test_the_search_logs_one_line_per_step_and_its_bar_counts_the_graphs(searched):
    _, _, form, search, lines, bar = searched
    assert lines[0].startswith(f"    ranked {len(search.ranking)} layers by the error each adds")
    assert lines[1:] == [f"    {s.kept} worst in float: {s.psnr_db:.2f} dB / SSIM {s.ssim:.4f}, "
                         f"{'passes' if s.passes else 'fails'}" for s in search.steps]  # fmt: skip
    assert bar == [f"total {search_bound(len(search.ranking))}", *[1] * len(form.kept), "closed"]


@pytest.mark.slow
def test_keep_fp_n_keeps_the_n_worst_of_the_ranking(tmp_path):
    info, generator = open_generator(shapes_model_path(), "a2b")
    base, calibration, sets = _case(generator, 16, info.metadata)
    ranking, _ = rank_by_added_error(base, calibration, FORMS["int8-cpu"], sets)
    two = Int8Options(calib_images=16, keep_fp=KeepFp(count=2))
    (path,) = export_checkpoint(shapes_model_path(), out=tmp_path, precisions=("int8-cpu",), int8=two,
                                log=lambda _: None)  # fmt: skip
    assert read_sidecar(path).quantization.keep_fp == tuple(e.layer for e in ranking[:2])
    assert onnx.load(path).graph.output[0].name == "output"


def test_judge_takes_the_worst_set():
    reference = torch.zeros(1, 3, 8, 8).numpy()
    sets = {"a": (reference, reference), "b": (reference, reference)}
    outputs = {"a": reference + 0.01, "b": reference + 0.02}  # 46.02 dB and 40.00 dB (range 2)
    step = judge(outputs, sets, Gate(min_psnr_db=42.0), 3)
    assert (step.kept, step.psnr_db, step.passes) == (3, 40.0, False)
