"""The MNN backend (`mnn-cpu`) and `export --format mnn`: MNN's Winograd CPU backend, judged FP32-grade
(PSNR >= 60 dB, SSIM >= 0.999) against PyTorch on the demo model, its unavailable reason, damaged files."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner
from runtime_helpers import assert_refused_in_one_line, demo_parity, infer_with_a_flipped_byte

from ugatit_deploy.backends import BACKENDS, create_backend, open_model
from ugatit_deploy.cli import main
from ugatit_deploy.gates import WINOGRAD_FP32_GATE
from ugatit_deploy.metadata import read_sidecar

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def mnn_file(tmp_path_factory):
    pytest.importorskip("MNN", reason="MNN is not installed: pip install 'ugatit-deploy[mnn]'")
    out = tmp_path_factory.mktemp("mnn")
    result = CliRunner().invoke(main, ["export", "--format", "mnn", "--out", str(out)])
    assert result.exit_code == 0, result.output
    (path,) = out.glob("*.mnn")
    return path


def test_export_writes_a_validated_mnn_file_with_a_sidecar_and_no_onnx(mnn_file):
    assert mnn_file.name == "demo_shapes_a2b_a2b_fp32.mnn"
    assert sorted(p.name for p in mnn_file.parent.iterdir()) == [mnn_file.name, f"{mnn_file.name}.json"]
    sidecar = read_sidecar(mnn_file)
    assert sidecar["kind"] == "mnn" and sidecar["converter"].startswith("MNN ")
    assert sidecar["validation"]["passed"] and sidecar["validation"]["gate"] == {"psnr": 60.0, "ssim": 0.999}
    assert not list(mnn_file.parent.glob("*.onnx"))


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


def test_conversion_never_loads_the_mnn_tools_wrappers(mnn_file):
    # MNN's Python tool wrappers pip-install a logging package and report usage when imported.
    assert mnn_file.is_file()
    assert "MNN.tools" not in sys.modules and "MNN.tools.utils.log" not in sys.modules
