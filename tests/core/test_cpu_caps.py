"""The CPU's compute classes as oneDNN sees them: flags, the ONEDNN_MAX_CPU_ISA cap, BF16 availability."""

from ugatit_deploy.core.cpu_caps import bf16_unavailable_reason, cap_allows, onednn_cap, read_cpu_flags

CPUINFO = "processor\t: 0\nflags\t\t: fpu avx2 fma avx512f avx512_vnni avx512_bf16\nbugs\t\t: none\n"


def test_flags_come_from_the_first_flags_line():
    assert read_cpu_flags(CPUINFO) == {"fpu", "avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16"}


def test_no_flags_line_gives_no_flags():
    assert read_cpu_flags("processor : 0\n") == frozenset()


def test_cap_is_read_upper_case_and_all_means_none():
    assert onednn_cap({"ONEDNN_MAX_CPU_ISA": "avx2"}) == "AVX2"
    assert onednn_cap({"ONEDNN_MAX_CPU_ISA": "ALL"}) is None
    assert onednn_cap({}) is None


def test_avx2_cap_forbids_avx512_and_allows_avx2():
    environ = {"ONEDNN_MAX_CPU_ISA": "AVX2"}
    assert cap_allows("AVX2", environ)
    assert not cap_allows("AVX512_CORE", environ)


def test_unknown_cap_value_is_no_cap():
    assert cap_allows("AVX512_CORE_BF16", {"ONEDNN_MAX_CPU_ISA": "PENTIUM"})


def test_bf16_runs_on_a_bf16_cpu_without_cap():
    assert bf16_unavailable_reason(read_cpu_flags(CPUINFO), {}) is None


def test_bf16_under_the_avx2_cap_says_so():
    reason = bf16_unavailable_reason(read_cpu_flags(CPUINFO), {"ONEDNN_MAX_CPU_ISA": "AVX2"})
    assert reason == "ONEDNN_MAX_CPU_ISA=AVX2 caps oneDNN below AVX512_CORE_BF16: no BF16 kernels in this class"


def test_bf16_on_a_cpu_without_it_says_so():
    reason = bf16_unavailable_reason(frozenset({"avx2", "fma"}), {})
    assert reason == "this CPU has no native BF16 instructions (AVX512_BF16 or AMX_BF16)"
