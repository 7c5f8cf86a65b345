"""``ugatit-deploy bench``: the command line it records, what it prints and writes from a run, and ``--isa`` (one
child bench per CPU class, each the hidden ``bench-child`` command on a settings file). The bench itself end to
end is in tests/e2e/test_bench_command.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.benchmarks import isa_classes
from ugatit_deploy.benchmarks.class_records import ClassesRecord
from ugatit_deploy.benchmarks.isa_classes import IsaClass
from ugatit_deploy.cli import main
from ugatit_deploy.cli.bench import bench_command, command_line

SHAPES = str(shapes_model_path())  # the small circles -> squares model (64 px)


def test_command_line_leaves_out_a_limit_option_instead_of_failing(monkeypatch):
    monkeypatch.setenv("UGATIT_MAX_IMAGE_PIXELS", "1000000")  # the option sets it: monkeypatch restores it
    context = bench_command.make_context("bench", ["--max-image-pixels", "100", "--threads", "2"])
    assert command_line(context) == "ugatit-deploy bench --threads 2"


def test_command_line_leaves_out_the_parameters_named():
    context = bench_command.make_context("bench", ["--threads", "2", "--isa", "native", "--out", "o o"])
    assert command_line(context) == "ugatit-deploy bench --threads 2 --out 'o o' --isa native"  # options' order
    assert command_line(context, leave_out=("isa_classes", "out")) == "ugatit-deploy bench --threads 2"


def test_isa_hands_every_class_the_same_settings_and_its_command_line(tmp_path, monkeypatch):
    seen = {}

    def fake_run_classes(classes, settings, command, log):
        seen.update(classes=classes, settings=settings, command=command)
        return ClassesRecord(command, [])

    monkeypatch.setattr(isa_classes, "run_classes", fake_run_classes)
    monkeypatch.setattr(isa_classes, "read_cpu_flags", lambda: frozenset({"sse4_1", "avx", "avx2"}))
    args = ["bench", "--ckpt", SHAPES, "--batch", "1,8", "--calib-images", "4", "--isa", "native,avx2",
            "--out", str(tmp_path)]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert seen["classes"] == (IsaClass("native", None), IsaClass("avx2", "AVX2"))
    settings = seen["settings"]
    assert (settings.out, settings.batches, settings.int8.calib_images) == (tmp_path, (1, 8), 4)
    assert settings.command == f"ugatit-deploy bench --ckpt {SHAPES} --batch 1,8 --calib-images 4"
    assert seen["command"] == f"{settings.command} --out {tmp_path} --isa native,avx2"
    assert (tmp_path / "classes.md").is_file()


def test_bench_defaults_to_a_time_budget_and_the_quick_calibration(tmp_path, monkeypatch):
    seen = {}
    monkeypatch.setattr(isa_classes, "run_classes", lambda classes, settings, command, log: seen.update(
        settings=settings) or ClassesRecord(command, []))  # fmt: skip
    result = CliRunner().invoke(main, ["bench", "--ckpt", SHAPES, "--isa", "native", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (seen["settings"].max_time, seen["settings"].int8.calib_images) == (3.0, 16)


@pytest.mark.parametrize("value", ["-1", "soon"])
def test_a_negative_or_unreadable_time_budget_is_a_one_line_usage_error(tmp_path, value):
    result = CliRunner().invoke(main, ["bench", "--ckpt", SHAPES, "--max-time", value, "--out", str(tmp_path)])
    assert result.exit_code == 2 and "Invalid value for '--max-time'" in result.output
    assert "Traceback" not in result.output and not list(tmp_path.iterdir())


def test_a_nan_time_budget_is_refused_in_one_line_before_any_work(tmp_path):
    result = CliRunner().invoke(main, ["bench", "--ckpt", SHAPES, "--max-time", "nan", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and result.output.strip() == "Error: --max-time must be >= 0 seconds, got nan"
    assert not (tmp_path / "o").exists()


def test_bench_child_is_hidden_and_refuses_a_missing_or_bad_settings_file_in_one_line(tmp_path):
    assert "bench-child" not in CliRunner().invoke(main, ["--help"]).output
    missing = CliRunner().invoke(main, ["bench-child", str(tmp_path / "missing.json")])
    assert missing.exit_code == 1
    assert missing.output.strip().endswith("missing.json: No such file or directory")
    bad = tmp_path / "settings.json"
    bad.write_text(json.dumps({"schema": "ugatit-deploy/bench-settings", "schema_version": 1, "checkpoint": 3}))
    result = CliRunner().invoke(main, ["bench-child", str(bad)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: {bad}: settings.checkpoint: expected str, got int 3"]


@pytest.mark.slow  # a whole bench of the small model on torch-cpu, matmul peaks included (about 30 s)
def test_bench_child_runs_the_bench_its_settings_file_describes(tmp_path):
    from ugatit_deploy.benchmarks.settings import BenchSettings, write_settings

    settings = BenchSettings(Path(SHAPES), onnx=(), backends=("torch-cpu",), warmup=0, iters=1, out=tmp_path / "b",
                             export_precisions=(), command="ugatit-deploy bench --backends torch-cpu")  # fmt: skip
    result = CliRunner().invoke(main, ["bench-child", str(write_settings(settings, tmp_path / "settings.json"))])
    assert result.exit_code == 0, result.output
    recorded = json.loads((tmp_path / "b" / "results.json").read_text())
    assert recorded["command"] == "ugatit-deploy bench --backends torch-cpu"
    assert [r["label"] for r in recorded["records"]] == ["torch-cpu fp32"]


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
    ran = json.loads((tmp_path / "isa-avx2" / "settings.json").read_text())  # what the child was handed
    assert (ran["out"], ran["command"]) == (str(tmp_path / "isa-avx2"), capped["command"])
    table = (tmp_path / "classes.md").read_text().splitlines()
    assert "| mode | native | avx2 |" in table
    rows = {cells[0]: cells[1:] for cells in ([c.strip() for c in line.strip("|").split("|")] for line in table)}
    assert [cell.endswith(", 1.00x") for cell in rows["torch-cpu fp32"]] == [True, True]  # each class's own eager
    assert " ms, " in rows["openvino-cpu fp32 (latency_hint)"][1]
    assert " ms" not in rows["openvino-cpu bf16 (latency_hint)"][1]  # no BF16 under the AVX2 cap: words instead
    assert "[avx2] " in result.output and "[native] " in result.output


def test_bench_prints_the_modes_tried_here_and_writes_both_grids(tmp_path, monkeypatch):
    from PIL import Image
    from support.bench_results import make_results

    from ugatit_deploy.benchmarks import suite
    from ugatit_deploy.core.reference_images import photo_variants, reference_batch

    photos, turned = reference_batch(64, demo=0).numpy(), photo_variants(64).numpy()
    run = suite.BenchRun(make_results(), photos, turned, {"onnxruntime-cpu fp32": turned, "torch-cpu fp32": turned})
    monkeypatch.setattr(suite, "run_bench", lambda settings, log: run)
    result = CliRunner().invoke(main, ["bench", "--ckpt", SHAPES, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "\ntensorrt " not in result.output  # unavailable here: not a row
    assert "\n\nnot run here:\n  tensorrt: TensorRT is not installed\n" in result.output
    assert f"{tmp_path / 'grid.png'}, {tmp_path / 'grid_all_modes.png'}, {tmp_path / 'report.md'}" in result.output
    with Image.open(tmp_path / "grid.png") as grid, Image.open(tmp_path / "grid_all_modes.png") as every:
        assert grid.size == (176 + 4 + 4 * 132, 4 + 4 * 132)  # 4 photos, 64 px upscaled to 128: 4 rows
        assert every.size == (176 + 4 + 4 * 132, 4 + 4 * 132)  # the two modes' identical images: drawn once
