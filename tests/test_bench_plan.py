"""The bench stages apart from running anything: the plan (from the registry alone), the artifacts it
needs, the records of cases that cannot run, and the speed-ups."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ugatit_deploy.backends import BACKENDS, BackendSpec, Mode
from ugatit_deploy.benchmarks import plan as plan_module
from ugatit_deploy.benchmarks import prepare as prepare_module
from ugatit_deploy.benchmarks.compare import add_speedups
from ugatit_deploy.benchmarks.latency import summarize
from ugatit_deploy.benchmarks.measure import MeasureContext, measure_case
from ugatit_deploy.benchmarks.plan import SYMMETRIC_INT8_ONLY, Artifact, Case, PreparedArtifacts, plan_cases
from ugatit_deploy.benchmarks.prepare import build_engines, prepare_artifacts
from ugatit_deploy.benchmarks.records import FAILED, UNAVAILABLE, UNSUPPORTED, BenchRecord
from ugatit_deploy.benchmarks.settings import BenchError, BenchSettings
from ugatit_deploy.errors import UgatitDeployError
from ugatit_deploy.metadata import new_record, write_sidecar

CKPT, FP32, INT8_CPU, PLAN = Path("m.pt"), Path("m_fp32.onnx"), Path("m_int8-cpu.onnx"), Path("m_fp32.plan")
ARTIFACTS = PreparedArtifacts(
    (
        Artifact("checkpoint", CKPT, "fp32"),
        Artifact("onnx", FP32, "fp32"),
        Artifact("onnx", INT8_CPU, "int8-cpu", "keep-fp 9"),
        Artifact("engine", PLAN, "fp32"),
    )
)

IMAGES = np.zeros((1, 3, 8, 8), dtype=np.float32)
CONTEXT = MeasureContext(IMAGES, IMAGES, {"images": [0, 1]}, {}, warmup=0, iters=1, flops=1, peaks={})


def _plan(**settings) -> list[tuple]:
    cases = plan_cases(BenchSettings(checkpoint=CKPT, **settings), ARTIFACTS)
    return [(c.backend, c.artifact, c.precision, dict(c.options), c.problem) for c in cases]


def test_the_plan_is_every_backend_x_artifact_x_mode_from_the_registry():
    ckpt = {"precision": "fp32", "direction": "a2b", "threads": 2}
    assert _plan(threads=2) == [
        ("torch-cpu", CKPT, "fp32", ckpt, None),
        ("torch-cuda", CKPT, "fp32", ckpt, None),
        ("torch-cuda", CKPT, "fp16", {**ckpt, "precision": "fp16", "channels_last": True, "cuda_graphs": True}, None),
        ("onnxruntime-cpu", FP32, "fp32", {"threads": 2}, None),
        ("onnxruntime-cpu", INT8_CPU, "int8-cpu", {"threads": 2}, None),
        ("onnxruntime-cuda", FP32, "fp32", {}, None),
        ("onnxruntime-cuda", INT8_CPU, "int8-cpu", {}, None),
        ("onnxruntime-tensorrt", FP32, "fp32", {}, None),
        ("onnxruntime-tensorrt", INT8_CPU, "int8-cpu", {}, (UNSUPPORTED, SYMMETRIC_INT8_ONLY)),
        ("openvino-cpu", FP32, "fp32", {"threads": 2}, None),
        ("openvino-cpu", FP32, "bf16", {"threads": 2, "inference_precision": "bf16"}, None),
        ("openvino-cpu", INT8_CPU, "int8-cpu", {"threads": 2}, None),
        ("tensorrt", PLAN, "fp32", {}, None),
    ]


def test_the_plan_keeps_to_the_backends_asked_for_and_passes_threads_only_when_given():
    assert _plan(backends=("openvino-cpu", "torch-cpu")) == [
        ("torch-cpu", CKPT, "fp32", {"precision": "fp32", "direction": "a2b"}, None),
        ("openvino-cpu", FP32, "fp32", {}, None),
        ("openvino-cpu", FP32, "bf16", {"inference_precision": "bf16"}, None),
        ("openvino-cpu", INT8_CPU, "int8-cpu", {}, None),
    ]


def test_a_new_backend_needs_only_its_registry_entry(monkeypatch):
    modes = (Mode(), Mode({"precision": "fp16"}, for_precisions=("fp32",)))
    spec = BackendSpec("fancy-cpu", "fancy", "onnx", "cpu", "a new runtime", "fancy_runner:FancyBackend",
                       options=("threads",), modes=modes)  # fmt: skip
    monkeypatch.setattr(plan_module, "BACKENDS", {**BACKENDS, spec.name: spec})
    cases = plan_cases(BenchSettings(checkpoint=CKPT, backends=("fancy-cpu",), threads=3), ARTIFACTS)
    assert [(c.backend, c.device, c.artifact, c.precision, dict(c.options), c.variant) for c in cases] == [
        ("fancy-cpu", "cpu", FP32, "fp32", {"threads": 3}, ""),
        ("fancy-cpu", "cpu", FP32, "fp16", {"precision": "fp16", "threads": 3}, ""),
        ("fancy-cpu", "cpu", INT8_CPU, "int8-cpu", {"threads": 3}, "keep-fp 9"),
    ]


def test_an_artifact_that_could_not_be_made_is_planned_with_its_problem():
    failed = PreparedArtifacts((Artifact("onnx", None, "int8", problem=(FAILED, "export: PSNR 27.5 dB < 30 dB")),))
    cases = plan_cases(BenchSettings(checkpoint=CKPT, backends=("onnxruntime-cpu", "openvino-cpu")), failed)
    assert [(c.backend, c.precision, c.problem) for c in cases] == [
        ("onnxruntime-cpu", "int8", (FAILED, "export: PSNR 27.5 dB < 30 dB")),
        ("openvino-cpu", "int8", (FAILED, "export: PSNR 27.5 dB < 30 dB")),
    ]


def test_a_case_that_cannot_run_becomes_one_record_per_batch_without_loading(tmp_path):
    case = Case("onnxruntime-tensorrt", "cuda", tmp_path / "missing.onnx", "int8-cpu",
                problem=(UNSUPPORTED, SYMMETRIC_INT8_ONLY))  # fmt: skip
    lines: list[str] = []
    measured = measure_case(case, (1, 8), CONTEXT, log=lines.append)
    assert [(r.batch, r.status, r.reason, r.label, r.artifact) for r in measured.records] == [
        (b, UNSUPPORTED, SYMMETRIC_INT8_ONLY, "onnxruntime-tensorrt int8-cpu", "missing.onnx") for b in (1, 8)
    ]
    assert not measured.timed and lines == [f"  onnxruntime-tensorrt int8-cpu: unsupported: {SYMMETRIC_INT8_ONLY}"]
    broken = measure_case(Case("onnxruntime-cpu", "cpu", tmp_path / "missing.onnx", "fp32"), (1,), CONTEXT, print)
    assert broken.records[0].status == FAILED and "missing.onnx" in broken.records[0].reason


# ------------------------------------------------------------------------------------------ prepare


def _no_export(*_args, **_kwargs):
    raise AssertionError("nothing to export")


def test_checkpoint_backends_need_no_export(tmp_path, monkeypatch):
    monkeypatch.setattr(prepare_module, "export_onnx", _no_export)
    settings = BenchSettings(checkpoint=CKPT, backends=("torch-cpu", "torch-cuda"), out=tmp_path)
    assert prepare_artifacts(settings, 64).items == (Artifact("checkpoint", CKPT, "fp32"),)
    assert not (tmp_path / "onnx").exists()


def test_given_files_are_described_by_their_metadata(tmp_path, monkeypatch):
    monkeypatch.setattr(prepare_module, "export_onnx", _no_export)
    onnx, plan = tmp_path / "a_int8.onnx", tmp_path / "a_fp16.plan"
    write_sidecar(new_record("onnx", precision="int8", quantization={"keep_fp": ["UpBlock2.2", "DownBlock.9"]}), onnx)
    write_sidecar(new_record("tensorrt-plan", precision="fp16"), plan)
    settings = BenchSettings(checkpoint=CKPT, backends=("openvino-cpu", "tensorrt"), onnx=(onnx, tmp_path / "x.onnx"),
                             engines=(plan,), out=tmp_path)  # fmt: skip
    assert prepare_artifacts(settings, 64).items == (
        Artifact("onnx", onnx, "int8", "keep-fp 2"),
        Artifact("onnx", tmp_path / "x.onnx", "?"),  # no metadata: its runner says what is wrong
        Artifact("engine", plan, "fp16"),
    )


def test_without_tensorrt_no_engine_is_built_and_nothing_exported_for_it(tmp_path, monkeypatch):
    monkeypatch.setattr(prepare_module, "export_onnx", _no_export)
    monkeypatch.setattr("ugatit_deploy.backends.tensorrt_runner.tensorrt_unavailable_reason", lambda: "no TensorRT")
    settings = BenchSettings(checkpoint=CKPT, backends=("tensorrt",), out=tmp_path)
    assert prepare_artifacts(settings, 64).items == (
        Artifact("engine", None, "-", problem=(UNAVAILABLE, "no TensorRT")),
    )


def test_engines_are_built_per_file_and_a_failure_stays_with_its_file(tmp_path, monkeypatch):
    built: list[Path] = []

    def fake_build(onnx, engine, options, log):
        if "fp16" in onnx.name:
            raise UgatitDeployError("out of memory")
        built.append(engine)
        write_sidecar(new_record("tensorrt-plan", precision="fp32"), engine)
        return type("Result", (), {"engine": engine})()

    monkeypatch.setattr("ugatit_deploy.export.tensorrt_build.build_engine", fake_build)
    onnx = [Artifact("onnx", tmp_path / f"m_{p}.onnx", p) for p in ("fp32", "fp16", "int8-cpu")]
    onnx.append(Artifact("onnx", None, "int8", problem=(FAILED, "export: gate")))
    engines = build_engines(onnx, 64, BenchSettings(checkpoint=CKPT, out=tmp_path, batches=(1, 4)), print)
    assert built == [tmp_path / "engines" / "m_fp32.plan"]
    assert engines == [
        Artifact("engine", built[0], "fp32"),
        Artifact("engine", None, "fp16", problem=(FAILED, "build: out of memory")),
        Artifact("engine", None, "int8-cpu", problem=(UNSUPPORTED, SYMMETRIC_INT8_ONLY)),
        Artifact("engine", None, "int8", problem=(FAILED, "export: gate")),
    ]


def test_settings_no_stage_can_run_are_refused():
    with pytest.raises(BenchError, match="unknown backend 'tflite'"):
        BenchSettings(checkpoint=CKPT, backends=("tflite",)).check()
    with pytest.raises(BenchError, match="--iters and --rounds >= 1"):
        BenchSettings(checkpoint=CKPT, iters=0).check()


# ------------------------------------------------------------------------------------------ compare


def _timed(backend: str, precision: str, ms: float, batch: int = 1, **options) -> BenchRecord:
    return BenchRecord(backend=backend, precision=precision, options=options, batch=batch, label=backend,
                       status="ok", latency=summarize([ms * batch] * 3, batch))  # fmt: skip


def test_speedups_are_over_eager_fp32_on_the_same_device_and_batch():
    records = [
        _timed("torch-cpu", "fp32", 10.0, channels_last=False),
        _timed("onnxruntime-cpu", "int8-cpu", 4.0, threads=2),
        _timed("torch-cpu", "fp32", 6.0, batch=8),
        _timed("onnxruntime-cpu", "fp32", 3.0, batch=8),
        _timed("torch-cuda", "fp32", 2.0, channels_last=False, cuda_graphs=False),
        _timed("torch-cuda", "fp16", 1.0, channels_last=True, cuda_graphs=True),
        _timed("tensorrt", "fp16", 0.5),
        replace(_timed("openvino-cpu", "bf16", 1.0), latency=None),
    ]
    add_speedups(records)
    assert [r.speedup_vs_torch_eager for r in records] == [1.0, 2.5, 1.0, 2.0, 1.0, 2.0, 4.0, None]
