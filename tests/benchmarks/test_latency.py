"""The timing loop (``benchmarks.latency``): warm-up, synchronized timed runs, per-batch and per-image summaries."""

from __future__ import annotations

import numpy as np
import pytest

from ugatit_deploy.benchmarks.latency import measure_latency, summarize


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
