"""The timing loop (``benchmarks.latency``): warm-up, synchronized timed runs, per-batch and per-image summaries."""

from __future__ import annotations

import numpy as np
import pytest

from ugatit_deploy.benchmarks.latency import MIN_TIMED_RUNS, measure_latency, summarize, time_interleaved


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


def test_a_time_budget_stops_the_timed_runs_once_spent_after_the_fewest_runs():
    backend, ticks = _RecordingBackend(), iter(range(0, 100_000, 1000))  # each timed run spans 1 s
    summary = measure_latency(backend, np.zeros((1, 3, 8, 8)), warmup=0, iters=20, clock=lambda: next(ticks) / 1e3,
                              max_seconds=2.5)  # fmt: skip
    assert summary.iters == MIN_TIMED_RUNS == 5  # the budget was spent after 3 runs; a median needs a few


def test_a_time_budget_stops_the_timed_runs_at_the_first_run_that_spends_it():
    backend, ticks = _RecordingBackend(), iter(range(0, 100_000, 1000))
    summary = measure_latency(backend, np.zeros((1, 3, 8, 8)), warmup=0, iters=20, clock=lambda: next(ticks) / 1e3,
                              max_seconds=6.5)  # fmt: skip
    assert summary.iters == 7


def test_a_time_budget_gives_the_warm_up_a_third_of_it():
    backend, ticks = _RecordingBackend(), iter(range(0, 100_000, 1000))  # each call of the clock: 1 s later
    measure_latency(backend, np.zeros((1, 3, 8, 8)), warmup=10, iters=5, clock=lambda: next(ticks) / 1e3,
                    max_seconds=6.0)  # fmt: skip
    assert backend.calls.count("execute") == 2 + 5  # 1 s, then 2 s >= 6 s / 3: two warm-up runs, five timed


def test_fast_runs_reach_iters_before_the_budget():
    backend, ticks = _RecordingBackend(), iter(range(0, 10_000, 2))
    summary = measure_latency(backend, np.zeros((1, 3, 8, 8)), warmup=0, iters=20, clock=lambda: next(ticks) / 1e3,
                              max_seconds=5.0)  # fmt: skip
    assert summary.iters == 20


class _FakeTime:
    """A clock that moves only when a fake workload says so."""

    def __init__(self) -> None:
        self.now = 0.0
        self.calls: list[str] = []

    def clock(self) -> float:
        return self.now

    def work(self, name: str, ms: float):
        def run() -> None:
            self.calls.append(name)
            self.now += ms / 1e3

        return run


def test_time_interleaved_alternates_the_callables_round_by_round():
    fake = _FakeTime()
    runs = {"a": fake.work("a", 2.0), "b": fake.work("b", 5.0)}
    samples = time_interleaved(runs, rounds=2, iters=3, warmup=1, clock=fake.clock)
    assert fake.calls == (["a"] * 4 + ["b"] * 4) * 2  # per round: 1 warm-up + 3 timed, each name in turn
    assert list(samples) == ["a", "b"]
    assert [len(v) for v in samples.values()] == [6, 6]  # iters * rounds, the warm-ups untimed
    assert samples["a"] == pytest.approx([2.0] * 6)
    assert samples["b"] == pytest.approx([5.0] * 6)


def test_time_interleaved_without_warmup_times_every_call():
    fake = _FakeTime()
    samples = time_interleaved({"only": fake.work("only", 1.5)}, rounds=3, iters=1, warmup=0, clock=fake.clock)
    assert fake.calls == ["only"] * 3 and samples["only"] == pytest.approx([1.5] * 3)
