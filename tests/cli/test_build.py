"""``ugatit-deploy build``: without TensorRT one line and exit 2, --dry-run's trtexec line, bad input."""

from __future__ import annotations

import importlib.util

import pytest
from click.testing import CliRunner

from ugatit_deploy.cli import main

pytestmark = pytest.mark.slow  # its fixtures export or train (seconds each): not the inner loop


def _cli(*args):
    return CliRunner().invoke(main, ["build", *map(str, args)])


@pytest.mark.skipif(importlib.util.find_spec("tensorrt") is not None, reason="TensorRT is installed here")
def test_cli_without_tensorrt_says_so_and_exits_2(trt_onnx_files):
    result = _cli("--onnx", trt_onnx_files["light"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Error: TensorRT is not installed: `pip install ugatit-deploy[tensorrt]` on a machine with an NVIDIA GPU "
        "(or use --dry-run to print the trtexec command)"
    )


def test_cli_dry_run_prints_the_trtexec_line(trt_onnx_files, monkeypatch):
    monkeypatch.setenv("UGATIT_TRT_VERSION", "11.4.0")
    result = _cli("--onnx", trt_onnx_files["full"], "--batch", "1,2,4", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("trtexec --onnx=") and "--maxShapes=input:4x3x64x64" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--onnx", "/nonexistent.onnx", "--dry-run"], "ONNX file not found"),
        (["--batch", "4,2,1"], "1 <= min <= opt <= max"),
        (["--opt-level", "9"], "--opt-level must be 0-5"),
        (["--shape", "100x100", "--dry-run"], "only takes 64x64"),
    ],
)
def test_cli_bad_input(trt_onnx_files, args, message):
    base = [] if "--onnx" in args else ["--onnx", trt_onnx_files["full"]]
    result = _cli(*base, *args)
    assert result.exit_code != 0 and message in result.output
