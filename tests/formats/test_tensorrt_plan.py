"""The TensorRT plan format (``export --format tensorrt``): the validated ONNX written, the plan built from it
and run against PyTorch before it is kept. TensorRT cannot be installed here: the builder is the recording
stand-in and the plan "runs" on ONNX Runtime from the ONNX it was built from."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from support.fake_tensorrt import make_fake_tensorrt

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.cli import main
from ugatit_deploy.core.metadata import read_sidecar
from ugatit_deploy.export.validate import ort_session
from ugatit_deploy.formats import tensorrt_build, tensorrt_plan
from ugatit_deploy.formats.tensorrt_plan import TENSORRT_PLAN, TensorRtPlanFormat

SHAPES = str(shapes_model_path())  # the small circles -> squares model: fast to export

pytestmark = pytest.mark.slow  # exports and validates the demo model per test


class _OnnxAsPlan:
    """Runs the ONNX file the plan was built from (the stand-in's plan holds no network)."""

    def __init__(self, path, record):
        self.session = ort_session(__import__("onnx").load(str(path.with_suffix(".onnx"))))

    def run(self, names, feeds):
        return self.session.run(names, feeds)


class _Noise(_OnnxAsPlan):
    def run(self, names, feeds):
        return [
            np.random.default_rng(0).uniform(-1, 1, out.shape).astype(np.float32) for out in super().run(names, feeds)
        ]


@pytest.fixture
def gpu_here(monkeypatch):
    fake = make_fake_tensorrt("11.4.0")  # not in sys.modules: torch.export looks for a real tensorrt there
    monkeypatch.setattr(tensorrt_build, "_import_tensorrt", lambda: fake)
    monkeypatch.setattr(tensorrt_build, "_gpu", lambda: {"name": "Fake GPU", "compute_capability": "9.0"})
    monkeypatch.setattr(TensorRtPlanFormat, "unavailable_reason", lambda _self: None)


def test_without_tensorrt_export_says_so_in_one_line_and_writes_nothing(tmp_path):
    result = CliRunner().invoke(
        main, ["export", "--ckpt", SHAPES, "--format", "tensorrt", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith("Error: --format tensorrt: ")
    assert not (tmp_path / "out").exists()


def test_int8_cpu_is_refused_with_the_reason(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "export",
            "--ckpt",
            SHAPES,
            "--format",
            "tensorrt",
            "--precision",
            "int8-cpu",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 1 and "TensorRT takes symmetric INT8 Q/DQ only" in result.output


def test_a_light_model_gets_a_profile_around_its_size_for_the_validation_sizes():
    options = TENSORRT_PLAN.export_options(64, light=True)
    assert options.sizes == ((48, 48), (64, 64), (80, 80)) and options.batch == (1, 1, 8)
    assert TENSORRT_PLAN.export_options(256, light=False).sizes is None


def test_export_writes_the_onnx_and_a_validated_plan_with_both_sidecars(tmp_path, gpu_here, monkeypatch):
    monkeypatch.setattr(tensorrt_plan, "PlanSession", _OnnxAsPlan)
    result = CliRunner().invoke(main, ["export", "--ckpt", SHAPES, "--format", "tensorrt", "--out", str(tmp_path),
                                       "--triton-repo", str(tmp_path / "repo")])  # fmt: skip
    assert result.exit_code == 0, result.output
    plan, onnx = tmp_path / "demo_shapes_a2b_a2b_fp32.plan", tmp_path / "demo_shapes_a2b_a2b_fp32.onnx"
    assert plan.read_bytes() == b"PLAN-BYTES" and read_sidecar(onnx).kind == "onnx"
    record = read_sidecar(plan)
    assert record.kind == "tensorrt-plan" and record.validation.passed and record.tensorrt.onnx == onnx.name
    assert record.tensorrt.profile == {"min": (1, 3, 48, 48), "opt": (1, 3, 64, 64), "max": (8, 3, 80, 80)}
    assert "48x80" in record.validation.cases  # the other-size case ran on the plan
    config = (tmp_path / "repo" / plan.stem / "config.pbtxt").read_text()
    assert 'platform: "tensorrt_plan"' in config and (tmp_path / "repo" / plan.stem / "1" / "model.plan").is_file()


def test_a_plan_that_misses_its_gate_is_removed(tmp_path, gpu_here, monkeypatch):
    monkeypatch.setattr(tensorrt_plan, "PlanSession", _Noise)
    result = CliRunner().invoke(main, ["export", "--ckpt", SHAPES, "--format", "tensorrt", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "fp32 failed validation against PyTorch FP32" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo_shapes_a2b_a2b_fp32.onnx",
                                                          "demo_shapes_a2b_a2b_fp32.onnx.json"]  # fmt: skip
