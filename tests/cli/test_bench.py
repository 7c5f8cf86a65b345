"""``ugatit-deploy bench``: the command line it records, and ``--isa`` (one child bench per CPU class).
The bench itself end to end is in tests/e2e/test_bench_command.py."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.cli import main
from ugatit_deploy.cli.bench import bench_command, command_line

SHAPES = str(shapes_model_path())  # the small circles -> squares model (64 px)


def test_command_line_leaves_out_a_limit_option_instead_of_failing(monkeypatch):
    monkeypatch.setenv("UGATIT_MAX_IMAGE_PIXELS", "1000000")  # the option sets it: monkeypatch restores it
    context = bench_command.make_context("bench", ["--max-image-pixels", "100", "--threads", "2"])
    assert command_line(context) == "ugatit-deploy bench --threads 2"


def test_isa_with_an_unknown_class_is_a_one_line_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["bench", "--ckpt", SHAPES, "--isa", "native,avx3", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1].startswith(
        "Error: Invalid value for '--isa': unknown CPU class 'avx3': use native or a oneDNN ISA level: sse41, "
    )
    assert not list(tmp_path.iterdir())  # no child started


@pytest.mark.slow  # two child processes, each importing torch (about 10 s under load)
def test_isa_classes_whose_children_fail_are_reported_and_exit_1(tmp_path):
    result = CliRunner().invoke(main, ["bench", "--ckpt", SHAPES, "--backends", "torch-cpu", "--size", "6",
                                       "--isa", "native,avx2", "--out", str(tmp_path)])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "[avx2] Error: --size 6: U-GAT-IT needs a multiple of 4, at least 8" in result.output
    table = (tmp_path / "classes.md").read_text()
    assert (
        "| native | none | - | failed (exit 1): Error: --size 6: U-GAT-IT needs a multiple of 4, at least 8 |" in table
    )
    assert [c["error"] for c in json.loads((tmp_path / "classes.json").read_text())["classes"]] == [
        "Error: --size 6: U-GAT-IT needs a multiple of 4, at least 8"
    ] * 2


@pytest.mark.slow  # two child benches of the demo model's FP32 file (about a minute under load)
def test_isa_native_and_avx2_run_each_class_in_its_own_bench(tmp_path, demo_onnx):
    fast = ["--batch", "1", "--warmup", "0", "--iters", "1", "--rounds", "1"]
    args = ["bench", "--ckpt", SHAPES, "--onnx", str(demo_onnx), "--backends", "torch-cpu,openvino-cpu",
            "--isa", "native,avx2", *fast, "--out", str(tmp_path)]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    native, capped = (json.loads((tmp_path / f"isa-{c}" / "results.json").read_text()) for c in ("native", "avx2"))
    assert "ONEDNN_MAX_CPU_ISA" not in native["machine"]["isa"]
    assert capped["machine"]["isa"].endswith(" (ONEDNN_MAX_CPU_ISA=AVX2)")
    assert capped["command"].endswith(f" --out {tmp_path / 'isa-avx2'}")  # the arguments given, less --isa
    assert f" --onnx {demo_onnx} " in capped["command"] and "--isa" not in capped["command"]
    table = (tmp_path / "classes.md").read_text().splitlines()
    assert "| mode | native | avx2 |" in table
    rows = {cells[0]: cells[1:] for cells in ([c.strip() for c in line.strip("|").split("|")] for line in table)}
    assert [cell.endswith(", 1.00x") for cell in rows["torch-cpu fp32"]] == [True, True]  # each class's own eager
    assert " ms, " in rows["openvino-cpu fp32 (latency_hint)"][1]
    assert " ms" not in rows["openvino-cpu bf16 (latency_hint)"][1]  # no BF16 under the AVX2 cap: words instead
    assert "[avx2] " in result.output and "[native] " in result.output
