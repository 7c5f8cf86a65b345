"""The fast path without exports: its narrowed bench, the CPU class key, a damaged choice, stale exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from ugatit_deploy.benchmarks import fast_path
from ugatit_deploy.benchmarks.fast_path import FAST_PATH_INT8, fast_path_settings
from ugatit_deploy.benchmarks.plan import PreparedArtifacts, plan_cases
from ugatit_deploy.benchmarks.prepare import reusable
from ugatit_deploy.core.cpu_caps import cpu_class
from ugatit_deploy.core.gates import FAST_PATH_GATE
from ugatit_deploy.forms import FORMS

pytestmark = pytest.mark.slow  # its fixtures export or train (seconds each): not the inner loop


def test_the_fast_path_is_the_bench_of_openvino_on_the_cpu_candidate_forms_at_batch_1(tmp_path):
    settings = fast_path_settings(Path("m.pt"), "a2b", 2, tmp_path)
    assert settings.backends == ("openvino-cpu",) and tuple(settings.batches) == (1,) and not settings.peaks
    assert tuple(settings.export_precisions) == ("fp32", "fp32-winograd", "fp32-int8x3", "int8-cpu")
    assert settings.gates == {"fp16": FAST_PATH_GATE, "int8": FAST_PATH_GATE, "int8-cpu": FAST_PATH_GATE,
                              "bf16": FAST_PATH_GATE}  # fmt: skip
    assert settings.int8.keep_fp.auto


def test_its_plan_is_each_latency_mode_a_candidate_form_takes(tmp_path):
    from ugatit_deploy.benchmarks.plan import Artifact

    settings = fast_path_settings(Path("m.pt"), "a2b", 2, tmp_path)
    files = PreparedArtifacts(tuple(Artifact("onnx", Path(f"m_{form}.onnx"), form) for form in FORMS))
    cases = plan_cases(settings, files)
    assert [(c.form, c.compute) for c in cases] == [("fp32", ""), ("fp32", "bf16"), ("fp32-winograd", ""),
        ("fp32-int8x3", ""), ("fp16", ""), ("int8", ""), ("int8-cpu", ""), ("int8-cpu", "bf16")]  # fmt: skip
    assert all(c.options["threads"] == 2 for c in cases)


def test_the_cpu_class_names_the_cap(monkeypatch):
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "avx2")
    capped = cpu_class()
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "")
    assert capped.endswith("-avx2") and cpu_class().endswith("-native")
    assert capped.split("-")[0] == cpu_class().split("-")[0]  # the same CPU flags


def test_a_damaged_choice_file_is_measured_again(tmp_path):
    damaged = tmp_path / "choice.json"
    damaged.write_text('{"onnx": ')
    assert fast_path._load_choice(damaged, tmp_path / "model.pt") is None


def _as_int8_export(demo_onnx, tmp_path, calibration: str):
    """The demo FP32 export copied with a sidecar that says it is an int8-cpu file quantized as ``calibration``."""
    import json
    import shutil

    path = tmp_path / demo_onnx.name
    shutil.copy(demo_onnx, path)
    record = json.loads(demo_onnx.with_name(demo_onnx.name + ".json").read_text())
    record["precision"] = "int8-cpu"
    record["quantization"] = {"variant": "int8-cpu", "float_layers": [], "keep_fp": [], "calibration": calibration}
    path.with_name(path.name + ".json").write_text(json.dumps(record))
    return path


def test_an_export_of_another_recipe_is_not_reused(demo_onnx, tmp_path):
    from ugatit_deploy.assets import shapes_model_path

    now = FORMS["int8-cpu"].recipe(FAST_PATH_INT8.recipe).describe()
    assert "7-bit weights" in now
    stale = _as_int8_export(demo_onnx, tmp_path, "calib; " + now.replace("7-bit weights", "int8 weights"))
    assert not reusable(stale, shapes_model_path(), FAST_PATH_INT8)
    (tmp_path / "now").mkdir()
    assert reusable(_as_int8_export(demo_onnx, tmp_path / "now", f"calib; {now}"), shapes_model_path(), FAST_PATH_INT8)
    assert not reusable(demo_onnx, tmp_path / "other.pt", FAST_PATH_INT8)  # another checkpoint
