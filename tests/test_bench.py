"""`ugatit-deploy bench`: parity gates, the timing loop, the FLOP floor, and the command end to end on
the demo model through every backend available on this CPU."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from click.testing import CliRunner
from onnx import numpy_helper

from ugatit_deploy.assets import default_model_path
from ugatit_deploy.backends import Availability, Backend, BackendInfo
from ugatit_deploy.benchmarks.floor import model_flops, peak_key, torch_threads
from ugatit_deploy.benchmarks.latency import measure_latency, summarize
from ugatit_deploy.benchmarks.measure import MeasureContext, measure_batch
from ugatit_deploy.benchmarks.plan import Case
from ugatit_deploy.benchmarks.suite import image_sets
from ugatit_deploy.cli import main
from ugatit_deploy.gates import Gate, GateError, parse_gates
from ugatit_deploy.metadata import sidecar_path
from ugatit_deploy.model import GeneratorConfig
from ugatit_deploy.model.cost import count_macs
from ugatit_deploy.parity import ssim
from ugatit_deploy.reference_images import demo_images

# ---------------------------------------------------------------------------------------------- gates


def test_gate_spec_parses_into_thresholds_per_precision():
    gates = parse_gates("fp32:maxabs=1e-4, fp16:psnr=50+maxabs=1e-2, int8:ssim=0.9, int8:psnr=30")
    assert gates == {
        "fp32": Gate(max_abs=1e-4),
        "fp16": Gate(max_abs=1e-2, min_psnr_db=50.0),
        "int8": Gate(min_psnr_db=30.0, min_ssim=0.9),
    }


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("fp64:psnr=30", "PRECISION one of fp32, fp16, int8, int8-cpu"),
        ("fp32:snr=30", "unknown metric 'snr'"),
        ("int8:psnr=high", "'high' is not a number"),
        ("int8", "expected PRECISION:METRIC=VALUE"),
        (" , ", "empty --gate"),
    ],
)
def test_bad_gate_specs_are_refused(spec, message):
    with pytest.raises(GateError, match=message):
        parse_gates(spec)


def test_gate_failures_name_each_broken_threshold():
    stats = {"max_abs": 0.2, "psnr_db": 28.44, "ssim": 0.81, "nonfinite": 3}
    assert Gate(max_abs=1e-2, min_psnr_db=30, min_ssim=0.9).failures(stats) == [
        "3 NaN/Inf values",
        "max abs error 2.00e-01 > 1e-02",
        "PSNR 28.4 dB < 30 dB",
        "SSIM 0.8100 < 0.9",
    ]
    assert Gate(min_psnr_db=28).failures({**stats, "nonfinite": 0}) == []


# ---------------------------------------------------------------------------------------------- SSIM


def test_ssim_of_identical_images_is_1():
    images = np.random.default_rng(0).uniform(-1, 1, (2, 3, 32, 32))
    assert ssim(images, images) == pytest.approx(1.0, abs=1e-12)


def test_ssim_of_two_flat_images_is_the_luminance_term():
    a, b = np.full((1, 1, 16, 16), 0.2), np.full((1, 1, 16, 16), -0.3)
    c1 = (0.01 * 2) ** 2
    assert ssim(a, b) == pytest.approx((2 * 0.2 * -0.3 + c1) / (0.2**2 + 0.3**2 + c1), rel=1e-9)


def test_ssim_falls_as_noise_grows():
    rng = np.random.default_rng(1)
    images = np.clip(rng.normal(0, 0.5, (1, 3, 48, 48)), -1, 1)
    scores = [ssim(images, images + rng.normal(0, sigma, images.shape)) for sigma in (0.01, 0.05, 0.2)]
    assert 1 > scores[0] > scores[1] > scores[2] > 0


# ---------------------------------------------------------------------------------------------- latency


def test_latency_summary_per_batch_and_per_image():
    summary = summarize([float(v) for v in range(1, 11)], batch=2)
    assert summary.ms_per_batch.p50 == 5.5
    assert summary.ms_per_batch.p90 == pytest.approx(9.1)
    assert summary.ms_per_batch.min == 1.0
    assert summary.ms_per_batch.std == pytest.approx(np.std(range(1, 11), ddof=1))
    assert summary.ms_per_image.p50 == 2.75 and summary.ms_per_image.min == 0.5
    assert summary.images_per_s == pytest.approx(2000 / 5.5)
    assert summary.iters == 10


class _RecordingBackend:
    def __init__(self):
        self.calls: list[str] = []

    def stage(self, images):
        self.calls.append("stage")
        return images

    def execute(self, staged):
        self.calls.append("execute")

    def synchronize(self):
        self.calls.append("sync")


def test_timing_loop_warms_up_then_times_synchronized_runs():
    backend, ticks = _RecordingBackend(), iter(range(0, 1000, 2))
    summary = measure_latency(backend, np.zeros((4, 3, 8, 8)), warmup=2, iters=3, clock=lambda: next(ticks) / 1e3)
    assert backend.calls == ["stage", "sync"] + ["execute", "sync"] * 5
    assert summary.samples_ms == [2.0, 2.0, 2.0]  # each timed run spans one clock tick of 2 ms
    assert summary.ms_per_image.p50 == 0.5


# ---------------------------------------------------------------------------------------- input sets


def test_default_inputs_are_judged_as_photos_and_demo_images_apart():
    names = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.png"] + [f"demo_circle_{i}" for i in range(4)]
    assert image_sets(names, None) == {"photos": [0, 4], "demo": [4, 8]}
    assert image_sets(names, Path("mine")) == {"images": [0, 8]}


class _NoisyOnPhotos(Backend):
    """Returns the reference, with noise on the first two images only (the "photos")."""

    def __init__(self, reference):
        self.reference, self.info = reference, BackendInfo("fake-cpu", "int8-cpu", Path("fake.onnx"))

    def availability(self):
        return Availability.yes()

    def load(self):
        pass

    def stage(self, images):
        return images

    def execute(self, staged):
        noisy = self.reference.copy()
        noisy[:2] += np.random.default_rng(0).normal(0, 0.075, noisy[:2].shape).astype(np.float32)  # ~28.5 dB
        return noisy[: len(staged)]

    def fetch(self, result):
        return result


def test_a_lossy_mode_fails_when_the_photos_alone_miss_the_gate():
    reference = np.random.default_rng(1).uniform(-1, 1, (4, 3, 16, 16)).astype(np.float32)
    case = Case("fake-cpu", "cpu", None, "int8-cpu")
    context = MeasureContext(images=reference, reference=reference, sets={"photos": [0, 2], "demo": [2, 4]},
                             gates={"int8-cpu": Gate(min_psnr_db=30.0)}, warmup=0, iters=1, flops=10**9,
                             peaks={"cpu-fp32": 100.0})  # fmt: skip
    record, outputs = measure_batch(case, _NoisyOnPhotos(reference), 4, context)
    assert record.parity is not None and record.parity.by_set is not None and outputs is not None
    by_set = record.parity.by_set
    assert by_set["demo"].psnr_db == math.inf and 25 < by_set["photos"].psnr_db < 30
    assert record.parity.psnr_db >= 30  # the mix passes ...
    assert record.status == "failed-parity" and record.reason.startswith("photos: PSNR")  # ... the photos do not
    assert record.gate is not None and not record.gate.passed and record.gate.thresholds == {"psnr": 30.0}
    assert record.label == "fake-cpu int8-cpu" and record.latency is not None and record.latency.iters == 1
    assert record.floor is not None and record.floor.peak_key == "cpu-fp32"
    assert record.floor.pct_of_peak == pytest.approx(100 * record.floor.gflops_achieved / 100.0)


# ---------------------------------------------------------------------------------------------- floor


def test_flops_are_two_per_multiply_accumulate_at_the_benchmarked_size():
    config = GeneratorConfig(ngf=8, n_blocks=2, img_size=64, light=True)
    assert model_flops(config, 96) == 2 * count_macs(config.build("meta"), (1, 3, 96, 96))
    assert model_flops(GeneratorConfig(64, 4, 256, light=True), 256) == 105_009_120_256  # 52.50 GMAC


def test_a_full_model_has_no_flops_at_another_size():
    with pytest.raises(ValueError, match="only runs at 64 px"):
        model_flops(GeneratorConfig(ngf=8, n_blocks=2, img_size=64, light=False), 128)


def test_each_backend_is_compared_with_the_peak_of_its_device_and_precision():
    assert peak_key("cpu", "int8-cpu") == "cpu-fp32"
    assert peak_key("cuda", "fp32") == "cuda-fp32"
    assert peak_key("cuda", "fp16") == "cuda-fp16"


def test_the_matmul_peak_thread_count_is_scoped():
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with torch_threads(None):
        assert torch.get_num_threads() == before


# ---------------------------------------------------------------------------------------------- end to end

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
        main, ["bench", "--backends", "cpu", "--images", str(circles), "--batch", "1,2", "--out", str(out), *FAST]
    )
    assert result.exit_code == 0, result.output
    return out, result.output, json.loads((out / "results.json").read_text())


def test_bench_writes_every_output_file(cpu_bench):
    out, _, _ = cpu_bench
    for name in ("results.json", "results.csv", "report.md", "latency.png", "grid.png"):
        assert (out / name).stat().st_size > 0, name
    assert sorted(p.name for p in (out / "onnx").glob("*.onnx")) == sorted(
        f"demo_shapes_a2b_a2b_{p}.onnx" for p in ("fp16", "fp32", "int8", "int8-cpu")
    )


def test_every_cpu_backend_and_precision_passes_its_parity_gate(cpu_bench):
    _, _, results = cpu_bench
    seen = {(r["backend"], r["precision"], r["batch"]): r for r in results["records"]}
    files = ("fp32", "fp16", "int8", "int8-cpu")
    expected = [("torch-cpu", "fp32")] + [(b, p) for b in ("onnxruntime-cpu", "openvino-cpu") for p in files]
    expected.append(("openvino-cpu", "bf16"))  # the fp32 file with OpenVINO's BF16 precision hint
    expected += [("mnn-cpu", "fp32"), ("ncnn-cpu", "fp32"), ("ncnn-cpu", "int8-cpu")]  # the Winograd runtimes' files
    assert sorted(seen) == sorted((b, p, batch) for b, p in expected for batch in (1, 2))
    for (backend, precision, batch), record in seen.items():
        if record["status"] == "unavailable":  # a runtime not installed, or no native BF16 on this CPU
            assert backend in ("openvino-cpu", "mnn-cpu", "ncnn-cpu"), record["reason"]
            assert "pip install 'ugatit-deploy[" in record["reason"] or "no native BF16" in record["reason"]
            continue
        parity = record["parity"]
        assert record["status"] == "ok", (backend, precision, batch, record["reason"])
        assert parity["nonfinite"] == 0
        if backend == "mnn-cpu":  # Winograd FP32, gated FP32-grade (measured 5.8e-4 max abs, 88 dB)
            assert parity["psnr_db"] >= 60 and parity["ssim"] >= 0.999
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
    assert results["schema"] == "ugatit-deploy/bench" and results["schema_version"] == 1
    assert results["command"].startswith(
        "ugatit-deploy bench --backends torch-cpu,onnxruntime-cpu,openvino-cpu,mnn-cpu,ncnn-cpu --images "
    )
    assert results["inputs"]["names"] == [f"circle_{i}.png" for i in range(4)]
    assert results["floor"]["flops_per_image"] == model_flops(GeneratorConfig(8, 4, 64, light=True), 64)
    assert results["floor"]["peaks_gflops"]["cpu-fp32"] > 0
    for record in (r for r in results["records"] if r["status"] != "unavailable"):
        latency = record["latency"]
        assert latency["iters"] == 2 and len(latency["samples_ms"]) == 2
        assert latency["ms_per_image"]["p50"] == pytest.approx(latency["ms_per_batch"]["p50"] / record["batch"])
        assert record["memory"]["peak_rss_mb"] > 0 and record["memory"]["gpu_peak_mb"] is None
        assert 0 < record["floor"]["pct_of_peak"] < 1000
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
    result = CliRunner().invoke(main, ["bench", "--onnx", str(fp32_onnx), "--backends", "torch-cuda,onnxruntime-cuda,"
                                       "tensorrt", "--out", str(tmp_path), *FAST])  # fmt: skip
    assert result.exit_code == 0, result.output
    records = json.loads((tmp_path / "results.json").read_text())["records"]
    if any(r["status"] == "ok" for r in records):
        pytest.skip("a GPU backend is available here")
    assert {r["status"] for r in records} == {"unavailable"}
    assert all(r["reason"] for r in records)
    assert "not run here:" in result.output and "TensorRT is not installed" in result.output


def _corrupt(source, target):
    """A copy of an exported ONNX whose first convolution's weights are 2 % off: a bad export."""
    model = onnx.load(str(source))
    weight = next(t for t in model.graph.initializer if t.name.endswith("weight") and len(t.dims) == 4)
    weight.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(weight) * 1.02, weight.name))
    onnx.save(model, str(target))
    shutil.copy(sidecar_path(source), sidecar_path(target))
    return target


@pytest.mark.parametrize("corrupted", [False, True])
def test_gate_exit_code_follows_parity(tmp_path, fp32_onnx, circles, corrupted):
    onnx_file = _corrupt(fp32_onnx, tmp_path / "bad_fp32.onnx") if corrupted else fp32_onnx
    args = ["bench", "--onnx", str(onnx_file), "--backends", "onnxruntime-cpu", "--images", str(circles),
            "--gate", "fp32:maxabs=1e-4", "--out", str(tmp_path / "out"), *FAST]  # fmt: skip
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
    result = CliRunner().invoke(main, ["bench", "--onnx", str(bad), "--backends", "onnxruntime-cpu", "--images",
                                       str(circles), "--out", str(tmp_path / "out"), *FAST])  # fmt: skip
    assert result.exit_code == 0
    assert "failed-parity: max abs error" in result.output


def test_rounds_pool_the_samples_of_every_round(tmp_path, circles):
    args = ["--backends", "torch-cpu", "--images", str(circles), "--iters", "2", "--warmup", "0", "--rounds", "3"]
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
        (["--backends", "openvino-gpu"], 2, "or torch, onnxruntime, openvino, mnn, ncnn, ort, cpu, cuda, all"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(tmp_path, args, code, message):
    result = CliRunner().invoke(main, ["bench", "--backends", "torch-cpu", "--out", str(tmp_path), *args])
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output


def test_an_image_folder_without_images_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(main, ["bench", "--backends", "torch-cpu", "--images", str(tmp_path / "empty")])
    assert result.exit_code == 1 and "no images" in result.output


def test_default_checkpoint_is_the_demo_model():
    assert default_model_path().is_file()
    assert math.isfinite(model_flops(GeneratorConfig(8, 4, 64, light=True), 64))
