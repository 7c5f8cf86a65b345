"""Export-time validation (``export.validate``): gates a user can read and move; a failing gate names what
was measured and the ``--gate`` that would accept it, and writes nothing."""

from __future__ import annotations

import re

import pytest
import torch
from click.testing import CliRunner
from support.models import official_checkpoint

from ugatit_deploy.cli import main
from ugatit_deploy.core.metadata import read_sidecar
from ugatit_deploy.model import GeneratorConfig

pytestmark = pytest.mark.slow  # exports of the official light architecture at 256 px

OFFICIAL_LIGHT = GeneratorConfig(ngf=8, n_blocks=4, img_size=256, light=True)


@pytest.fixture(scope="module")
def official_light(tmp_path_factory):
    path = tmp_path_factory.mktemp("official") / "selfie2anime_params_0100000.pt"
    torch.save(official_checkpoint(OFFICIAL_LIGHT, seed=0), path)
    return path


def _export(ckpt, out, *args):
    return CliRunner().invoke(main, ["export", "--ckpt", str(ckpt), "--out", str(out), "--precision", "fp16", *args])


def _cases(onnx_path):
    return read_sidecar(onnx_path).validation.cases.values()


def test_fp16_of_an_official_light_checkpoint_passes_the_default_gate(official_light, tmp_path):
    result = _export(official_light, tmp_path)
    assert result.exit_code == 0, result.output
    (path,) = tmp_path.glob("*.onnx")
    assert path.name == "selfie2anime_params_0100000_a2b_fp16.onnx"
    cases = list(_cases(path))
    assert max(stats.max_abs for stats in cases) > 1e-2  # what the old default refused
    assert min(stats.psnr_db for stats in cases) > 60 and min(stats.ssim for stats in cases) > 0.9998
    assert read_sidecar(path).validation.gate == {"psnr": 50.0, "ssim": 0.999}


def test_a_failing_gate_says_what_was_measured_and_how_to_move_it_and_writes_nothing(official_light, tmp_path):
    result = _export(official_light, tmp_path, "--gate", "fp16:maxabs=1e-2")
    assert result.exit_code == 1
    line = result.output.strip().splitlines()[-1]  # after the "exporting ..." progress line
    assert line.startswith(
        "Error: fp16 failed validation against PyTorch FP32 (gate fp16:maxabs=0.01+psnr=50+ssim=0.999)"
    )
    assert re.search(r"batch \d+: max abs error 1\.\d\de-02 > 1e-02", line)
    assert "Nothing written for fp16." in line
    # The suggestion is the worst max abs error rounded up to 2 significant digits (its value is this CPU's).
    worst = max(float(value) for value in re.findall(r"max abs error (\d\.\d\de-02)", line))
    suggested = float(re.search(r"To accept these figures: --gate fp16:maxabs=(0\.0\d\d)$", line).group(1))
    assert worst <= suggested < worst + 0.001
    assert list(tmp_path.iterdir()) == []


def test_the_suggested_gate_accepts_the_export_that_failed(official_light, tmp_path):
    failed = _export(official_light, tmp_path, "--gate", "fp16:psnr=90+ssim=0.99999")
    assert failed.exit_code == 1 and "PSNR" in failed.output and "SSIM" in failed.output
    suggestion = re.search(r"--gate (\S+)$", failed.output.strip()).group(1)
    assert re.fullmatch(r"fp16:psnr=6\d\.\d\+ssim=0\.999\d", suggestion), suggestion
    assert list(tmp_path.iterdir()) == []

    passed = _export(official_light, tmp_path, "--gate", suggestion)
    assert passed.exit_code == 0, passed.output
    (path,) = tmp_path.glob("*.onnx")
    thresholds = read_sidecar(path).validation.gate
    assert min(stats.psnr_db for stats in _cases(path)) >= thresholds["psnr"]
