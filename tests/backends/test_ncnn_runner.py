"""The ncnn runner (``ncnn-cpu``): the demo model within the FP32 gate, damaged weights and a missing ncnn in
one line."""

from __future__ import annotations

import sys

import pytest
from support.runtime_helpers import assert_refused_in_one_line, demo_parity, infer_with_a_flipped_byte

from ugatit_deploy.backends import create_backend, open_model
from ugatit_deploy.forms import FORMS

pytestmark = pytest.mark.slow  # an ncnn export of the demo model


@pytest.mark.parametrize(("batch", "size"), [(1, (64, 64)), (2, (64, 64)), (1, (48, 80))])
def test_ncnn_runs_the_demo_model_within_the_fp32_gate(ncnn_file, batch, size):
    stats, shape, expected_shape = demo_parity("ncnn-cpu", ncnn_file, batch, size)
    assert shape == expected_shape and FORMS["fp32"].gate.failures(stats) == [], stats


def test_infer_picks_ncnn_for_a_param_file_and_damaged_weights_are_one_line(ncnn_file, tmp_path):
    with open_model(ncnn_file) as runner:
        assert runner.info.label == "ncnn-cpu fp32"
    weights = "demo_shapes_a2b_a2b_fp32.ncnn.bin"
    files = [ncnn_file.name, f"{ncnn_file.name}.json", weights]
    result = infer_with_a_flipped_byte(ncnn_file, files, weights, tmp_path)
    assert_refused_in_one_line(result, weights, tmp_path)


def test_without_ncnn_the_backend_says_how_to_install_it(ncnn_file, monkeypatch):
    monkeypatch.setitem(sys.modules, "ncnn", None)
    status = create_backend("ncnn-cpu", ncnn_file).availability()
    assert not status.ok and status.reason == "ncnn is not installed: pip install 'ugatit-deploy[ncnn]'"
