"""Adding a graph form is one module and one registry line: a form planted the way "Adding a precision"
says (``support.planted_form``) is exported, validated, recorded in the sidecar, gated, benchmarked, planned
by the fast path and chosen, with no other edit."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from support.planted_form import PLANTED

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.benchmarks.choose import choose_fastest
from ugatit_deploy.benchmarks.fast_path import fast_path_settings
from ugatit_deploy.benchmarks.plan import plan_cases
from ugatit_deploy.benchmarks.prepare import prepare_artifacts
from ugatit_deploy.benchmarks.suite import BenchSettings, run_bench
from ugatit_deploy.cli import main
from ugatit_deploy.core.gates import Gate
from ugatit_deploy.core.metadata import read_sidecar
from ugatit_deploy.forms import FORMS, gates_with, parse_gates, registry

SHAPES = shapes_model_path()


@pytest.fixture
def planted(monkeypatch):
    """The new form's module (support/planted_form.py) and its line in the registry."""
    monkeypatch.setitem(registry._FORMS, PLANTED.name, PLANTED)
    return PLANTED


@pytest.mark.slow
def test_export_writes_the_planted_form_with_its_sidecar_and_gate(planted, tmp_path):
    result = CliRunner().invoke(main, ["export", "--ckpt", str(SHAPES), "--precision", "fp32-planted",
                                       "--out", str(tmp_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "fp32-planted: an Identity after the input" in result.output
    (path,) = tmp_path.glob("*.onnx")
    record = read_sidecar(path)
    assert path.name == "demo_shapes_a2b_a2b_fp32-planted.onnx" and record.precision == "fp32-planted"
    assert record.validation.passed and record.validation.gate == {"maxabs": 1e-3, "psnr": 70.0}


def test_its_gate_is_a_default_and_moves_with_gate(planted):
    assert gates_with()["fp32-planted"] == planted.gate
    assert gates_with(parse_gates("fp32-planted:psnr=80"))["fp32-planted"] == Gate(min_psnr_db=80.0, max_abs=1e-3)


@pytest.mark.slow
def test_the_bench_measures_it_labels_it_and_the_choice_takes_it(planted, tmp_path):
    settings = BenchSettings(checkpoint=SHAPES, backends=("onnxruntime-cpu",), export_precisions=("fp32-planted",),
                             iters=2, warmup=0, peaks=False, out=tmp_path)  # fmt: skip
    records = run_bench(settings, log=lambda _: None).results.records
    assert [(r.label, r.status, r.gate.thresholds) for r in records] == [
        ("onnxruntime-cpu fp32-planted", "ok", {"maxabs": 1e-3, "psnr": 70.0})]  # fmt: skip
    assert records[0].floor.peak_key == "cpu-fp32"
    assert choose_fastest(records) is records[0]


@pytest.mark.slow
def test_the_fast_path_plans_it_in_each_mode_its_hints_allow(planted, tmp_path):
    settings = fast_path_settings(SHAPES, "a2b", 1, tmp_path)
    assert "fp32-planted" in settings.export_precisions
    settings.export_precisions = ("fp32-planted",)
    cases = plan_cases(settings, prepare_artifacts(settings, 64, log=lambda _: None))
    assert [(c.backend, c.form, c.compute, c.precision) for c in cases] == [
        ("openvino-cpu", "fp32-planted", "", "fp32-planted"),
        ("openvino-cpu", "fp32-planted", "bf16", "bf16"),
    ]


def test_tensorrt_refuses_it_with_its_own_words(planted):
    from ugatit_deploy.formats.tensorrt_plan import TENSORRT_PLAN

    assert "fp32-planted" in FORMS and "fp32-planted" not in TENSORRT_PLAN.precisions
    assert FORMS["fp32-planted"].not_for_tensorrt == "a planted form: TensorRT never sees it"
