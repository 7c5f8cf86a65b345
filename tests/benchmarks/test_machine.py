"""The machine record of a bench (``benchmarks.machine``): what the timings depend on."""

from __future__ import annotations

from ugatit_deploy.benchmarks.machine import baseline_warning, cpu_isa, machine_record, thread_env


def test_the_thread_environment_is_recorded():
    environ = {"OMP_WAIT_POLICY": "passive", "OMP_NUM_THREADS": "2", "HOME": "/root"}
    assert thread_env(environ) == {"OMP_WAIT_POLICY": "passive", "OMP_NUM_THREADS": "2"}
    assert isinstance(machine_record()["thread_env"], dict)


def test_a_passive_wait_policy_is_flagged_as_slowing_the_baseline():
    warning = baseline_warning({"OMP_WAIT_POLICY": "passive"})
    assert warning is not None and warning.startswith("note: OMP_WAIT_POLICY=PASSIVE slows torch eager, the baseline")
    assert baseline_warning({"OMP_WAIT_POLICY": "ACTIVE"}) is None and baseline_warning({}) is None


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
