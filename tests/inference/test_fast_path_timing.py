"""The fast path's choice, without exports: interleaved timing and the CPU class key."""

from __future__ import annotations

import time

import numpy as np

from ugatit_deploy.inference import fast_path
from ugatit_deploy.inference.fast_path import cpu_class, time_modes


class _Sleeper:
    """A runner stand-in whose run takes ``ms`` milliseconds."""

    def __init__(self, ms: float) -> None:
        self.ms, self.calls = ms, 0

    def run(self, images: np.ndarray) -> np.ndarray:
        self.calls += 1
        time.sleep(self.ms / 1000)
        return images


def test_time_modes_gives_each_runner_its_median_and_runs_each_rounds_plus_warmup():
    runners = {"slow": _Sleeper(12.0), "fast": _Sleeper(2.0)}
    times = time_modes(runners, np.zeros((1, 3, 8, 8), np.float32), rounds=3)
    assert times["fast"] < times["slow"] and 12.0 <= times["slow"] < 40.0
    assert runners["slow"].calls == runners["fast"].calls == 4


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
    record["quantization"] = {"variant": "int8-cpu", "float_layers": [], "keep_fp": [], "calibration": calibration}
    path.with_name(path.name + ".json").write_text(json.dumps(record))
    return path


def test_a_cached_int8_file_of_another_recipe_is_exported_again(demo_onnx, tmp_path):
    from ugatit_deploy.assets import shapes_model_path

    now = fast_path._recipe("int8-cpu")
    assert "7-bit weights" in now and fast_path._recipe("fp32") == ""
    stale = _as_int8_export(demo_onnx, tmp_path, "calib; " + now.replace("7-bit weights", "int8 weights"))
    assert not fast_path._cached(stale, shapes_model_path(), now)
    assert fast_path._cached(_as_int8_export(demo_onnx, tmp_path, f"calib; {now}"), shapes_model_path(), now)
