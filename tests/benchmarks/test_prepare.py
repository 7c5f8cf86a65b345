"""Bench stage 2, the artifacts (``benchmarks.prepare``): what is exported, built or described, per format."""

from __future__ import annotations

from pathlib import Path

from support.records import artifact_record

from ugatit_deploy.benchmarks import prepare as prepare_module
from ugatit_deploy.benchmarks.plan import Artifact
from ugatit_deploy.benchmarks.prepare import build_engines, prepare_artifacts
from ugatit_deploy.benchmarks.records import FAILED, UNAVAILABLE, UNSUPPORTED
from ugatit_deploy.benchmarks.settings import BenchSettings
from ugatit_deploy.core.errors import UgatitDeployError
from ugatit_deploy.core.metadata import write_sidecar
from ugatit_deploy.formats.tensorrt_plan import TENSORRT_PLAN
from ugatit_deploy.forms import FORMS

CKPT, FP32, INT8_CPU, PLAN = Path("m.pt"), Path("m_fp32.onnx"), Path("m_int8-cpu.onnx"), Path("m_fp32.plan")

SYMMETRIC_INT8_ONLY = FORMS["int8-cpu"].not_for_tensorrt


def _no_export(*_args, **_kwargs):
    raise AssertionError("nothing to export")


def test_checkpoint_backends_need_no_export(tmp_path, monkeypatch):
    monkeypatch.setattr(prepare_module, "export_artifacts", _no_export)
    settings = BenchSettings(checkpoint=CKPT, backends=("torch-cpu", "torch-cuda"), out=tmp_path)
    assert prepare_artifacts(settings, 64).items == (Artifact("checkpoint", CKPT, "fp32"),)
    assert not (tmp_path / "onnx").exists()


def test_given_files_are_described_by_their_metadata(tmp_path, monkeypatch):
    monkeypatch.setattr(prepare_module, "export_artifacts", _no_export)
    onnx, plan = tmp_path / "a_int8.onnx", tmp_path / "a_fp16.plan"
    write_sidecar(artifact_record("onnx", "int8", keep_fp=("UpBlock2.2", "DownBlock.9")), onnx)
    write_sidecar(artifact_record("tensorrt-plan", "fp16"), plan)
    settings = BenchSettings(checkpoint=CKPT, backends=("openvino-cpu", "tensorrt"), onnx=(onnx, tmp_path / "x.onnx"),
                             engines=(plan,), out=tmp_path)  # fmt: skip
    assert prepare_artifacts(settings, 64).items == (
        Artifact("onnx", onnx, "int8", "keep-fp 2"),
        Artifact("onnx", tmp_path / "x.onnx", "?"),  # no metadata: its runner says what is wrong
        Artifact("tensorrt", plan, "fp16"),
    )


def test_without_tensorrt_no_engine_is_built_and_nothing_exported_for_it(tmp_path, monkeypatch):
    monkeypatch.setattr(prepare_module, "export_artifacts", _no_export)
    monkeypatch.setattr(type(TENSORRT_PLAN), "unavailable_reason", lambda _self: "no TensorRT")
    settings = BenchSettings(checkpoint=CKPT, backends=("tensorrt",), out=tmp_path)
    assert prepare_artifacts(settings, 64).items == (
        Artifact("tensorrt", None, "-", problem=(UNAVAILABLE, "no TensorRT")),
    )


def test_engines_are_built_per_file_and_a_failure_stays_with_its_file(tmp_path, monkeypatch):
    built: list[Path] = []

    def fake_build(onnx, engine, options, log):
        if "fp16" in onnx.name:
            raise UgatitDeployError("out of memory")
        built.append(engine)
        write_sidecar(artifact_record("tensorrt-plan", "fp32"), engine)
        return type("Result", (), {"engine": engine})()

    monkeypatch.setattr("ugatit_deploy.formats.tensorrt_build.build_engine", fake_build)
    onnx = [Artifact("onnx", tmp_path / f"m_{p}.onnx", p) for p in ("fp32", "fp16", "int8-cpu")]
    onnx.append(Artifact("onnx", None, "int8", problem=(FAILED, "export: gate")))
    engines = build_engines(onnx, 64, BenchSettings(checkpoint=CKPT, out=tmp_path, batches=(1, 4)), print)
    assert built == [tmp_path / "engines" / "m_fp32.plan"]
    assert engines == [
        Artifact("tensorrt", built[0], "fp32"),
        Artifact("tensorrt", None, "fp16", problem=(FAILED, "build: out of memory")),
        Artifact("tensorrt", None, "int8-cpu", problem=(UNSUPPORTED, SYMMETRIC_INT8_ONLY)),
        Artifact("tensorrt", None, "int8", problem=(FAILED, "export: gate")),
    ]


def test_each_format_the_backends_run_is_exported_by_its_own_entry(tmp_path, monkeypatch):
    exported = []

    def fake_export(settings, log, fmt, progress=False):
        exported.append(fmt.name)
        return [Artifact(fmt.name, tmp_path / f"m{fmt.suffixes[0]}", "fp32")]

    monkeypatch.setattr(prepare_module, "export_artifacts", fake_export)
    settings = BenchSettings(checkpoint=CKPT, backends=("ncnn-cpu", "onnxruntime-cpu", "mnn-cpu"), out=tmp_path)
    items = prepare_artifacts(settings, 64).items
    assert exported == ["onnx", "mnn", "ncnn"]  # the formats' order, each once
    assert [(a.kind, a.path.name) for a in items] == [("onnx", "m.onnx"), ("mnn", "m.mnn"), ("ncnn", "m.ncnn.param")]
