"""Bench stage 1, the plan (``benchmarks.plan``): every backend x artifact x mode, from the registry alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from ugatit_deploy.backends import BACKENDS, BackendSpec, Mode
from ugatit_deploy.benchmarks import plan as plan_module
from ugatit_deploy.benchmarks.plan import Artifact, PreparedArtifacts, plan_cases, what_can_win
from ugatit_deploy.benchmarks.records import FAILED, UNSUPPORTED
from ugatit_deploy.benchmarks.settings import BenchSettings
from ugatit_deploy.forms import FORMS

SYMMETRIC_INT8_ONLY = FORMS["int8-cpu"].not_for_tensorrt
CKPT, FP32, INT8_CPU, PLAN = Path("m.pt"), Path("m_fp32.onnx"), Path("m_int8-cpu.onnx"), Path("m_fp32.plan")


ARTIFACTS = PreparedArtifacts(
    (
        Artifact("checkpoint", CKPT, "fp32"),
        Artifact("onnx", FP32, "fp32"),
        Artifact("onnx", INT8_CPU, "int8-cpu", "keep-fp 9"),
        Artifact("tensorrt", PLAN, "fp32"),
    )
)


def _plan(**settings) -> list[tuple]:
    cases = plan_cases(BenchSettings(checkpoint=CKPT, **settings), ARTIFACTS)
    return [(c.backend, c.artifact, c.precision, dict(c.options), c.problem) for c in cases]


def test_the_plan_is_every_backend_x_artifact_x_mode_from_the_registry():
    ckpt = {"precision": "fp32", "direction": "a2b", "threads": 2}
    assert _plan(threads=2, batches=(1, 8)) == [
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
        ("openvino-cpu", FP32, "fp32", {"threads": 2, "throughput": True}, None),
        ("openvino-cpu", FP32, "bf16", {"threads": 2, "throughput": True, "inference_precision": "bf16"}, None),
        ("openvino-cpu", INT8_CPU, "int8-cpu", {"threads": 2}, None),
        ("openvino-cpu", INT8_CPU, "int8-cpu", {"threads": 2, "inference_precision": "bf16"}, None),
        ("openvino-cpu", INT8_CPU, "int8-cpu", {"threads": 2, "throughput": True}, None),
        ("openvino-cpu", INT8_CPU, "int8-cpu", {"threads": 2, "throughput": True, "inference_precision": "bf16"}, None),
        ("tensorrt", PLAN, "fp32", {}, None),
    ]


def test_the_plan_keeps_to_the_backends_asked_for_and_passes_threads_only_when_given():
    assert _plan(backends=("openvino-cpu", "torch-cpu"), batches=(1, 8)) == [
        ("torch-cpu", CKPT, "fp32", {"precision": "fp32", "direction": "a2b"}, None),
        ("openvino-cpu", FP32, "fp32", {}, None),
        ("openvino-cpu", FP32, "bf16", {"inference_precision": "bf16"}, None),
        ("openvino-cpu", FP32, "fp32", {"throughput": True}, None),
        ("openvino-cpu", FP32, "bf16", {"throughput": True, "inference_precision": "bf16"}, None),
        ("openvino-cpu", INT8_CPU, "int8-cpu", {}, None),
        ("openvino-cpu", INT8_CPU, "int8-cpu", {"inference_precision": "bf16"}, None),
        ("openvino-cpu", INT8_CPU, "int8-cpu", {"throughput": True}, None),
        ("openvino-cpu", INT8_CPU, "int8-cpu", {"throughput": True, "inference_precision": "bf16"}, None),
    ]


def test_throughput_modes_are_planned_only_for_a_batch_they_run():
    batch_1 = _plan(backends=("openvino-cpu",))
    assert [options for _, _, _, options, _ in batch_1] == [{}, {"inference_precision": "bf16"}] * 2


def test_a_bf16_hint_on_an_int8_file_keeps_the_int8_precision_and_shows_in_the_variant():
    cases = plan_cases(BenchSettings(checkpoint=CKPT, backends=("openvino-cpu",), batches=(1, 2)), ARTIFACTS)
    assert [(c.precision, c.variant, c.label) for c in cases if c.artifact == INT8_CPU] == [
        ("int8-cpu", "keep-fp 9", "openvino-cpu int8-cpu keep-fp 9"),
        ("int8-cpu", "keep-fp 9 +bf16", "openvino-cpu int8-cpu keep-fp 9 +bf16"),
        ("int8-cpu", "keep-fp 9", "openvino-cpu int8-cpu keep-fp 9"),
        ("int8-cpu", "keep-fp 9 +bf16", "openvino-cpu int8-cpu keep-fp 9 +bf16"),
    ]


@pytest.mark.parametrize(
    ("compute", "form", "runs"),
    [
        (("bf16",), "fp32", True),
        (("bf16",), "int8", False),  # TensorRT's graph: OpenVINO runs the x86 one in bf16
        (("bf16",), "int8-cpu", True),
        (("fp16",), "fp32", True),
        (("throughput",), "fp16", False),
        ((), "fp16", True),
        ((), "?", True),  # an unreadable file: its runner says what is wrong
        (("bf16",), "?", False),
    ],
)
def test_a_mode_runs_the_forms_that_take_its_compute_hints(compute, form, runs):
    assert Mode({}, compute).runs(form) is runs


def test_a_new_backend_needs_only_its_registry_entry(monkeypatch):
    modes = (Mode(), Mode({"precision": "fp16"}, ("fp16",)))
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
    problem = (FAILED, "export: PSNR 27.5 dB < 30 dB")
    assert [(c.backend, c.precision, c.problem) for c in cases] == [
        ("onnxruntime-cpu", "int8", problem),
        ("openvino-cpu", "int8", problem),  # the latency mode only: the others run fp32 and int8-cpu files
    ]


def _machine(monkeypatch, cuda: bool, cpu: str = "AVX512_CORE_VNNI", cap: str | None = None) -> None:
    """A machine with or without a CUDA device and a CPU of oneDNN class ``cpu`` (capped at ``cap``), whatever this
    one has."""
    monkeypatch.setattr(BackendSpec, "unavailable_here",
                        lambda self: None if cuda or self.device == "cpu" else "no CUDA device is visible")  # fmt: skip
    monkeypatch.setenv("UGATIT_DEPLOY_FAKE_CPU", cpu)
    if cap is None:
        monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    else:
        monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", cap)


def test_on_a_cpu_only_machine_the_plan_keeps_what_can_win_and_says_why_not_the_rest(monkeypatch):
    _machine(monkeypatch, cuda=False)
    settings, not_run = what_can_win(BenchSettings(checkpoint=CKPT))
    assert settings.backends == ("torch-cpu", "onnxruntime-cpu", "openvino-cpu", "ncnn-cpu")
    assert settings.export_precisions == ("fp32", "fp32-winograd", "fp32-int8x3", "int8-cpu")
    assert not_run == [
        "torch-cuda: no CUDA device is visible",
        "onnxruntime-cuda: no CUDA device is visible",
        "onnxruntime-tensorrt: no CUDA device is visible",
        f"mnn-cpu: never chosen ({BACKENDS['mnn-cpu'].not_chosen})",
        "tensorrt: no CUDA device is visible",
        "fp16, int8: cannot be the fastest passing mode on cpu here",
    ]


def test_without_int8_dot_products_the_three_product_form_is_left_out_with_the_reason(monkeypatch):
    _machine(monkeypatch, cuda=False, cpu="AVX2")
    settings, not_run = what_can_win(BenchSettings(checkpoint=CKPT))
    assert settings.export_precisions == ("fp32", "fp32-winograd", "int8-cpu")
    assert not_run[-2:] == [
        "fp32-int8x3: cannot be the fastest passing mode on cpu here (this CPU has no INT8 dot-product instructions "
        "(AVX-VNNI, AVX512_VNNI or AMX_INT8), so it cannot beat FP32)",
        "fp16, int8: cannot be the fastest passing mode on cpu here",
    ]


def test_a_cap_below_vnni_leaves_the_three_product_form_out_on_a_vnni_cpu(monkeypatch):
    _machine(monkeypatch, cuda=False, cpu="AVX512_CORE_AMX", cap="AVX2")
    settings, not_run = what_can_win(BenchSettings(checkpoint=CKPT))
    assert "fp32-int8x3" not in settings.export_precisions
    assert not_run[-2].endswith("(ONEDNN_MAX_CPU_ISA=AVX2 caps oneDNN below AVX512_CORE_VNNI: no INT8 dot products, "
                                "so it cannot beat FP32)")  # fmt: skip


def test_with_a_gpu_the_forms_tensorrt_builds_are_candidates_too(monkeypatch):
    _machine(monkeypatch, cuda=True)
    settings, not_run = what_can_win(BenchSettings(checkpoint=CKPT))
    assert tuple(settings.export_precisions) == tuple(FORMS) and not_run == [
        f"mnn-cpu: never chosen ({BACKENDS['mnn-cpu'].not_chosen})"
    ]


def test_bench_all_keeps_the_whole_matrix(monkeypatch):
    _machine(monkeypatch, cuda=False)
    everything = BenchSettings(checkpoint=CKPT, everything=True)
    assert what_can_win(everything) == (everything, [])


def test_given_files_or_no_file_runner_leave_the_forms_alone(monkeypatch):
    _machine(monkeypatch, cuda=False)
    given, not_run = what_can_win(BenchSettings(checkpoint=CKPT, onnx=(FP32,), backends=("openvino-cpu", "tensorrt")))
    assert given.backends == ("openvino-cpu",) and not_run == ["tensorrt: no CUDA device is visible"]
    eager, not_run = what_can_win(BenchSettings(checkpoint=CKPT, backends=("torch-cpu", "torch-cuda")))
    assert eager.backends == ("torch-cpu",) and not_run == ["torch-cuda: no CUDA device is visible"]
