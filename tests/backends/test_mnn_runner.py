"""The MNN runner (``mnn-cpu``): MNN's Winograd CPU backend, judged FP32-grade (PSNR >= 60 dB, SSIM >= 0.999)
against PyTorch; damaged files and a missing MNN in one line."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner
from support.paths import TESTS
from support.runtime_helpers import assert_refused_in_one_line, demo_parity, infer_with_a_flipped_byte

from ugatit_deploy.backends import BACKENDS, create_backend, mnn_runner, open_model
from ugatit_deploy.cli import main
from ugatit_deploy.core.gates import WINOGRAD_FP32_GATE
from ugatit_deploy.core.reference_images import photo_paths

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


# --- files MNN crashes on (issue 23): loaded first in a child process unless this machine exported them ---

SEGV = TESTS / "data" / "hostile" / "segv_on_load.mnn"  # MNN's load_module_from_file dies on it (SIGSEGV)


def test_an_mnn_file_that_crashes_mnn_is_one_line_and_the_command_survives(tmp_path):
    pytest.importorskip("MNN", reason="MNN is not installed: pip install 'ugatit-deploy[mnn]'")
    photo = str(photo_paths()[1])
    command = [sys.executable, "-m", "ugatit_deploy", "infer", "--model", str(SEGV), "--out", str(tmp_path), photo]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr[-2000:]  # before the probe: -11, the interpreter killed by SIGSEGV
    assert result.stderr.strip() == (
        "Error: MNN crashed (SIGSEGV) loading segv_on_load.mnn in a child process: the file is damaged or made to "
        "crash it; it was not loaded here (export it again)"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_file_this_machine_exported_loads_without_a_child_process(mnn_file, monkeypatch):
    def no_probe(*_args: object) -> None:
        raise AssertionError("an exported file was probed")

    monkeypatch.setattr(mnn_runner, "probe_in_child", no_probe)
    with create_backend("mnn-cpu", mnn_file) as backend:
        assert backend.img_size == 64


def test_a_file_from_elsewhere_is_probed_once_then_trusted(mnn_file, monkeypatch, tmp_path):
    monkeypatch.setenv("UGATIT_DEPLOY_CACHE", str(tmp_path / "fresh-cache"))  # nothing trusted yet
    probed = []
    real = mnn_runner.probe_in_child
    monkeypatch.setattr(mnn_runner, "probe_in_child", lambda *args: probed.append(args[1].name) or real(*args))
    for _ in range(2):
        with create_backend("mnn-cpu", mnn_file):
            pass
    assert probed == [mnn_file.name]
