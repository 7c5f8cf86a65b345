"""What the studies share: the interleaved timing loop (``benchmarks.latency.time_interleaved``) and the machine
record's instruction set (``benchmarks.machine``)."""

from __future__ import annotations

import pytest

from ugatit_deploy.benchmarks.latency import time_interleaved
from ugatit_deploy.benchmarks.machine import cpu_isa, machine_record


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


FLAGS = "processor\t: 0\nflags\t\t: fpu sse2 avx2 fma avx512f avx512vnni avx512_bf16 amx_tile amx_int8 amx_bf16\n"


def test_isa_names_the_kernel_relevant_flags_in_a_fixed_order():
    assert cpu_isa(FLAGS, environ={}) == "AVX2 FMA AVX512F AVX512_VNNI AVX512_BF16 AMX_TILE AMX_BF16 AMX_INT8"
    assert cpu_isa("flags : sse2 avx2 fma avx512_vnni\nflags : avx512f\n", {}) == "AVX2 FMA AVX512_VNNI"  # first line


def test_isa_says_when_onednn_is_capped_and_when_nothing_is_known():
    assert cpu_isa("flags : avx2 fma\n", {"ONEDNN_MAX_CPU_ISA": "AVX2"}) == "AVX2 FMA (ONEDNN_MAX_CPU_ISA=AVX2)"
    assert cpu_isa("flags : fpu sse2\n", {}) == "none"
    assert cpu_isa("Features : fp asimd\n", {}) == "unknown"  # no x86 flags line (e.g. arm64)


def test_machine_record_carries_the_isa_of_this_cpu():
    record = machine_record()
    assert isinstance(record["isa"], str) and record["isa"]
    assert {"cpu", "cpu_count", "torch_threads", "python", "torch"} <= set(record)
