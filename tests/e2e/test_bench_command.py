"""``ugatit-deploy bench`` end to end on the demo model through every CPU backend: files, records, table,
gates, rounds, bad input."""

from __future__ import annotations

import json
import math
from collections import Counter

import onnx
import pytest
import torch
from click.testing import CliRunner
from onnx import numpy_helper

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.benchmarks.floor import model_flops
from ugatit_deploy.cli import main
from ugatit_deploy.core.metadata import read_sidecar, write_sidecar
from ugatit_deploy.core.reference_images import demo_images
from ugatit_deploy.model import GeneratorConfig

SHAPES = str(shapes_model_path())  # the small circles -> squares model: fast to export

pytestmark = pytest.mark.slow  # whole commands, each a few seconds to minutes

FAST = ["--iters", "2", "--warmup", "1", "--threads", "1"]


@pytest.fixture(scope="module")
def circles(tmp_path_factory):
    """Held-out images of the demo model's own domain (seed 99: neither calibration nor export gate)."""
    folder = tmp_path_factory.mktemp("circles")
    for index, image in enumerate(demo_images(4, 64, seed=99)):
        image.save(folder / f"circle_{index}.png")
    return folder


@pytest.fixture(scope="module")
def cpu_bench(tmp_path_factory, circles):
    out = tmp_path_factory.mktemp("bench")
    result = CliRunner().invoke(
        main,
        [
            "bench",
            "--ckpt",
            SHAPES,
            "--backends",
            "cpu",
            "--images",
            str(circles),
            "--batch",
            "1,2",
            "--out",
            str(out),
            "--all",  # the whole matrix, also what cannot win on this CPU
            "--calib-images",
            "16",  # INT8 calibration is tests/forms/transforms/test_int8.py's subject, not this bench's
            *FAST,
        ],
    )
    assert result.exit_code == 0, result.output
    return out, result.output, json.loads((out / "results.json").read_text())


def test_bench_writes_every_output_file(cpu_bench):
    out, _, _ = cpu_bench
    for name in ("results.json", "results.csv", "report.md", "latency.png", "grid.png", "grid_all_modes.png"):
        assert (out / name).stat().st_size > 0, name
    assert sorted(p.name for p in (out / "onnx").glob("*.onnx")) == sorted(
        f"demo_shapes_a2b_a2b_{p}.onnx" for p in ("fp16", "fp32", "fp32-winograd", "fp32-int8x3", "int8", "int8-cpu")
    )


def test_every_cpu_backend_and_precision_passes_its_parity_gate(cpu_bench):
    _, _, results = cpu_bench
    seen = {(r["label"], r["batch"]): r for r in results["records"]}
    assert len(seen) == len(results["records"])  # every mode has its own label
    modes = Counter((r["backend"], r["precision"]) for r in results["records"] if r["batch"] == 1)
    files = ("fp32", "fp32-winograd", "fp32-int8x3", "fp16", "int8", "int8-cpu")
    expected = Counter([("torch-cpu", "fp32"), *[("onnxruntime-cpu", p) for p in files]])
    # OpenVINO: every file with the latency hint; the fp32 and int8-cpu files also with BF16 compute, and with
    # the throughput hint (f32 and BF16); on the fp32 file, BF16 compute is recorded as precision bf16.
    expected += Counter({("openvino-cpu", "fp32"): 2, ("openvino-cpu", "bf16"): 2, ("openvino-cpu", "fp16"): 1,
                         ("openvino-cpu", "fp32-winograd"): 1, ("openvino-cpu", "fp32-int8x3"): 1,
                         ("openvino-cpu", "int8"): 1,
                         ("openvino-cpu", "int8-cpu"): 4})  # fmt: skip
    expected += Counter([("mnn-cpu", "fp32"), ("ncnn-cpu", "fp32"), ("ncnn-cpu", "int8-cpu")])  # Winograd runtimes
    assert modes == expected
    bf16 = {(r["form"], r["compute"]) for r in results["records"] if r["precision"] == "bf16"}
    assert bf16 == {("fp32", "bf16"), ("fp32", "bf16+throughput")}  # the fp32 file under the bf16 hint
    assert sorted({batch for _, batch in seen}) == [1, 2]
    for (label, batch), record in seen.items():
        backend, precision = record["backend"], record["precision"]
        if record["status"] == "unavailable":  # a runtime not installed, or no native BF16 on this CPU
            assert backend in ("openvino-cpu", "mnn-cpu", "ncnn-cpu"), record["reason"]
            assert "pip install 'ugatit-deploy[" in record["reason"] or "BF16" in record["reason"]
            continue
        if "throughput_hint" in label and batch == 1:  # parallel requests need a batch to split
            assert record["status"] == "unsupported", record["reason"]
            continue
        parity = record["parity"]
        assert record["status"] == "ok", (label, batch, record["reason"])
        assert parity["nonfinite"] == 0
        if backend == "mnn-cpu" or precision in ("fp32-winograd", "fp32-int8x3"):  # gated FP32-grade (MNN measured
            assert parity["psnr_db"] >= 60 and parity["ssim"] >= 0.999  # 5.8e-4 max abs, 88 dB)
        elif precision == "fp32":
            assert parity["max_abs"] <= 1e-4
        elif precision == "fp16":
            assert parity["psnr_db"] >= 50 and parity["max_abs"] <= 1e-2
        elif precision == "bf16":
            assert parity["psnr_db"] >= 40
        else:
            assert parity["psnr_db"] >= 30


def test_records_carry_latency_memory_floor_and_speedup(cpu_bench):
    _, _, results = cpu_bench
    assert results["schema"] == "ugatit-deploy/bench" and results["schema_version"] == 2
    assert results["command"].startswith(
        f"ugatit-deploy bench --ckpt {shapes_model_path()} --backends torch-cpu,onnxruntime-cpu,openvino-cpu,mnn-cpu,"
        "ncnn-cpu --images "
    )
    assert results["inputs"]["names"] == [f"circle_{i}.png" for i in range(4)]
    assert results["floor"]["flops_per_image"] == model_flops(GeneratorConfig(8, 4, 64, light=True), 64)
    assert results["floor"]["peaks_gflops"]["cpu-fp32"] > 0
    for record in (r for r in results["records"] if r["status"] not in ("unavailable", "unsupported")):
        latency = record["latency"]
        assert latency["iters"] == 2 and len(latency["samples_ms"]) == 2
        assert latency["ms_per_image"]["p50"] == pytest.approx(latency["ms_per_batch"]["p50"] / record["batch"])
        assert record["memory"]["peak_rss_mb"] > 0 and record["memory"]["gpu_peak_mb"] is None
        floor = record["floor"]  # a share of its own precision's peak, never over 100 %, or a note saying why not
        assert 0 < floor["pct_of_peak"] <= 100 if floor["pct_of_peak"] is not None else floor["note"]
        assert record["speedup_vs_torch_eager"] > 0
        assert len(record["parity"]["psnr_per_image"]) == 4
    eager = [r for r in results["records"] if r["backend"] == "torch-cpu"]
    assert all(r["speedup_vs_torch_eager"] == 1.0 for r in eager)


def test_terminal_table_lists_each_backend(cpu_bench):
    _, output, _ = cpu_bench
    for label in ("torch-cpu", "onnxruntime-cpu", "int8-cpu", "ms/img p50", "% peak"):
        assert label in output


@pytest.fixture(scope="module")
def fp32_onnx(cpu_bench):
    out, _, _ = cpu_bench
    return out / "onnx" / "demo_shapes_a2b_a2b_fp32.onnx"


def test_backends_missing_here_are_listed_with_their_reason(tmp_path, fp32_onnx):
    backends = "torch-cuda,onnxruntime-cuda,tensorrt"
    result = CliRunner().invoke(main, ["bench", "--ckpt", SHAPES, "--onnx", str(fp32_onnx), "--backends", backends,
                                       "--out", str(tmp_path / "default"), *FAST])  # fmt: skip
    assert result.exit_code == 0, result.output
    results = json.loads((tmp_path / "default" / "results.json").read_text())
    if results["records"]:
        pytest.skip("a GPU backend is available here")
    assert [line.split(":")[0] for line in results["not_run"]] == ["torch-cuda", "onnxruntime-cuda", "tensorrt"]
    assert "not run here: tensorrt: " in result.output  # planned out before anything is made
    result = CliRunner().invoke(main, ["bench", "--ckpt", SHAPES, "--onnx", str(fp32_onnx), "--backends", backends,
                                       "--out", str(tmp_path), "--all", *FAST])  # fmt: skip
    assert result.exit_code == 0, result.output
    records = json.loads((tmp_path / "results.json").read_text())["records"]
    assert {r["status"] for r in records} == {"unavailable"}
    assert all(r["reason"] for r in records)
    assert "not run here:" in result.output and "TensorRT is not installed" in result.output


def _corrupt(source, target):
    """A copy of an exported ONNX whose first convolution's weights are 2 % off: a bad export."""
    model = onnx.load(str(source))
    weight = next(t for t in model.graph.initializer if t.name.endswith("weight") and len(t.dims) == 4)
    weight.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(weight) * 1.02, weight.name))
    onnx.save(model, str(target))
    write_sidecar(read_sidecar(source).describing(target), target)  # as export would describe it
    return target


@pytest.mark.parametrize("corrupted", [False, True])
def test_gate_exit_code_follows_parity(tmp_path, fp32_onnx, circles, corrupted):
    onnx_file = _corrupt(fp32_onnx, tmp_path / "bad_fp32.onnx") if corrupted else fp32_onnx
    args = ["bench", "--ckpt", SHAPES, "--onnx", str(onnx_file), "--backends", "onnxruntime-cpu", "--images",
            str(circles), "--gate", "fp32:maxabs=1e-4", "--out", str(tmp_path / "out"), *FAST]  # fmt: skip
    result = CliRunner().invoke(main, args)
    record = json.loads((tmp_path / "out" / "results.json").read_text())["records"][0]
    if corrupted:
        assert result.exit_code == 3
        assert "gate failed: onnxruntime-cpu fp32" in result.output
        assert record["status"] == "failed-parity" and record["reason"].startswith("max abs error")
    else:
        assert result.exit_code == 0, result.output
        # --gate moves only the metrics it names: fp32's default aux bound stays
        assert record["status"] == "ok" and record["gate"]["thresholds"] == {"maxabs": 1e-4, "aux": 1e-3}


def test_without_gate_a_parity_failure_is_reported_but_exits_0(tmp_path, fp32_onnx, circles):
    bad = _corrupt(fp32_onnx, tmp_path / "bad_fp32.onnx")
    result = CliRunner().invoke(main, ["bench", "--ckpt", SHAPES, "--onnx", str(bad), "--backends", "onnxruntime-cpu",
                                       "--images", str(circles), "--out", str(tmp_path / "out"), *FAST])  # fmt: skip
    assert result.exit_code == 0
    assert "failed-parity: max abs error" in result.output


def test_rounds_pool_the_samples_of_every_round(tmp_path, circles):
    args = [
        "--ckpt",
        SHAPES,
        "--backends",
        "torch-cpu",
        "--images",
        str(circles),
        "--iters",
        "2",
        "--warmup",
        "0",
        "--rounds",
        "3",
    ]
    threads = torch.get_num_threads()
    result = CliRunner().invoke(main, ["bench", *args, "--threads", "1", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert torch.get_num_threads() == threads  # --threads is each runner's, not the process's
    assert "timing round 3 of 3" in result.output
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["settings"]["rounds"] == 3
    (record,) = results["records"]
    assert record["latency"]["iters"] == 6 and len(record["latency"]["samples_ms"]) == 6
    assert record["floor"]["peak_gflops"] == results["floor"]["peaks_gflops"]["cpu-fp32"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--batch", "0"], 2, "batch sizes must be >= 1"),
        (["--batch", "one"], 2, "expected comma-separated integers"),
        (["--backends", "tflite"], 2, "'tflite': use torch-cpu"),
        (["--gate", "fp64:psnr=1"], 2, "PRECISION one of"),
        (["--ckpt", "missing.pt"], 2, "missing.pt: no such file"),
        (["--size", "30"], 1, "--size 30: U-GAT-IT needs a multiple of 4"),
        (["--iters", "0"], 1, "--iters and --rounds >= 1"),
        (["--rounds", "0"], 1, "--iters and --rounds >= 1"),
        (["--backends", "openvino-gpu"], 2,
         "or torch, onnxruntime, openvino, mnn, ncnn, web, ort, cpu, cuda, browser, all"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(tmp_path, args, code, message):
    result = CliRunner().invoke(
        main, ["bench", "--ckpt", SHAPES, "--backends", "torch-cpu", "--out", str(tmp_path), *args]
    )
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output


def test_an_image_folder_without_images_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(main, ["bench", "--backends", "torch-cpu", "--images", str(tmp_path / "empty")])
    assert result.exit_code == 1 and "no images" in result.output


def test_default_checkpoint_is_the_demo_model():
    assert shapes_model_path().is_file()
    assert math.isfinite(model_flops(GeneratorConfig(8, 4, 64, light=True), 64))
