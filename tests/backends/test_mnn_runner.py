"""The MNN runner (``mnn-cpu``): MNN's Winograd CPU backend, judged FP32-grade (PSNR >= 60 dB, SSIM >= 0.999)
against PyTorch; damaged files and a missing MNN in one line."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner
from support.runtime_helpers import assert_refused_in_one_line, demo_parity, infer_with_a_flipped_byte

from ugatit_deploy.backends import BACKENDS, create_backend, open_model
from ugatit_deploy.cli import main
from ugatit_deploy.core.gates import WINOGRAD_FP32_GATE

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # MNN converts the demo model


@pytest.mark.parametrize(("batch", "size"), [(1, (64, 64)), (2, (64, 64)), (1, (48, 80))])
def test_mnn_runs_the_demo_model_within_its_gate(mnn_file, batch, size):
    stats, shape, expected_shape = demo_parity("mnn-cpu", mnn_file, batch, size)
    assert shape == expected_shape and WINOGRAD_FP32_GATE.failures(stats) == [], stats


def test_infer_picks_mnn_for_an_mnn_file_and_a_damaged_file_is_one_line(mnn_file, tmp_path):
    with open_model(mnn_file) as runner:
        assert runner.info.label == "mnn-cpu fp32"
    files = [mnn_file.name, f"{mnn_file.name}.json"]
    result = infer_with_a_flipped_byte(mnn_file, files, mnn_file.name, tmp_path)
    assert_refused_in_one_line(result, mnn_file.name, tmp_path)


def test_without_mnn_the_backend_says_how_to_install_it(mnn_file, monkeypatch):
    monkeypatch.setitem(sys.modules, "MNN", None)
    status = create_backend("mnn-cpu", mnn_file).availability()
    assert not status.ok and status.reason == "MNN is not installed: pip install 'ugatit-deploy[mnn]'"


def test_mnn_is_a_registry_entry_like_the_others():
    spec = BACKENDS["mnn-cpu"]
    assert (spec.family, spec.runs, spec.device, spec.options) == ("mnn", "mnn", "cpu", ("threads",))
    result = CliRunner().invoke(main, ["export", "--format", "mnn", "--precision", "fp16", "--out", "unused"])
    assert result.exit_code == 1 and "--format mnn takes fp32, not fp16" in result.output
