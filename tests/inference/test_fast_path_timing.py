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
