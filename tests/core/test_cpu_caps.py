"""The CPU's compute classes as oneDNN sees them: flags, the ONEDNN_MAX_CPU_ISA cap, BF16 availability, the
flags each oneDNN level needs and the variables that cap a level. Flags are given, never read from this CPU."""

import pytest

from ugatit_deploy.backends import BACKENDS
from ugatit_deploy.core.cpu_caps import (
    CAP_VARIABLES,
    CAPPED_FAMILIES,
    ONEDNN_ISA_ORDER,
    bf16_unavailable_reason,
    cap_allows,
    cap_environment,
    cpu_class,
    faked_flags,
    int8_dot_unavailable_reason,
    missing_flags,
    onednn_cap,
    read_cpu_flags,
)

CPUINFO = "processor\t: 0\nflags\t\t: fpu avx2 fma avx512f avx512_vnni avx512_bf16\nbugs\t\t: none\n"


def test_flags_come_from_the_first_flags_line():
    assert read_cpu_flags(CPUINFO) == {"fpu", "avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16"}


def test_no_flags_line_gives_no_flags():
    assert read_cpu_flags("processor : 0\n") == frozenset()


def test_a_faked_class_replaces_the_host_flags_with_its_levels(monkeypatch):
    monkeypatch.setenv("UGATIT_DEPLOY_FAKE_CPU", "avx512_core_bf16")
    flags = read_cpu_flags()
    assert {"avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16"} <= flags and "amx_tile" not in flags
    assert bf16_unavailable_reason(environ={}) is None
    assert missing_flags("AVX512_CORE_BF16", flags) == [] and missing_flags("AVX512_CORE_AMX", flags) != []


def test_a_faked_class_is_its_own_cpu_class(monkeypatch):
    monkeypatch.setenv("UGATIT_DEPLOY_FAKE_CPU", "AVX2")
    avx2 = cpu_class()
    monkeypatch.setenv("UGATIT_DEPLOY_FAKE_CPU", "AVX512_CORE_AMX")
    assert cpu_class() != avx2
    assert read_cpu_flags() == faked_flags("AVX512_CORE_AMX")


def test_a_faked_class_never_hides_given_cpuinfo(monkeypatch):
    monkeypatch.setenv("UGATIT_DEPLOY_FAKE_CPU", "AVX2")
    assert read_cpu_flags(CPUINFO) == {"fpu", "avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16"}


def test_an_unknown_faked_class_names_the_levels(monkeypatch):
    monkeypatch.setenv("UGATIT_DEPLOY_FAKE_CPU", "AVX1024")
    expected = r"^UGATIT_DEPLOY_FAKE_CPU=AVX1024: not a oneDNN ISA level \(one of SSE41, AVX, AVX2,"
    with pytest.raises(ValueError, match=expected):
        read_cpu_flags()


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


# AMD EPYC (Zen 4): AVX-512 with VNNI and BF16, no AVX-VNNI, no AMX
ZEN4 = frozenset("sse4_1 avx avx2 fma avx512f avx512dq avx512bw avx512vl avx512_vnni avx512_bf16".split())
SAPPHIRE_RAPIDS = ZEN4 | {"avx_vnni", "avx512_fp16", "amx_tile", "amx_int8", "amx_bf16"}


def test_int8_dot_products_run_on_a_vnni_cpu_without_cap():
    assert int8_dot_unavailable_reason(read_cpu_flags(CPUINFO), {}) is None


def test_an_avx2_cpu_has_no_int8_dot_products():
    reason = int8_dot_unavailable_reason(frozenset({"avx2", "fma"}), {})
    assert reason == "this CPU has no INT8 dot-product instructions (AVX-VNNI, AVX512_VNNI or AMX_INT8)"


def test_a_cap_below_the_cpus_vnni_level_takes_its_int8_dot_products_away():
    reason = int8_dot_unavailable_reason(ZEN4, {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE"})
    assert reason == "ONEDNN_MAX_CPU_ISA=AVX512_CORE caps oneDNN below AVX512_CORE_VNNI: no INT8 dot products"


def test_avx_vnni_keeps_int8_dot_products_under_a_cap_below_avx512():
    assert int8_dot_unavailable_reason(SAPPHIRE_RAPIDS, {"ONEDNN_MAX_CPU_ISA": "AVX2_VNNI"}) is None


def test_the_older_vnni_spelling_counts_for_int8_dot_products():
    assert int8_dot_unavailable_reason(frozenset({"avx2", "avx512vnni"}), {}) is None


def test_each_level_needs_the_flags_of_the_levels_below_it():
    assert missing_flags("AVX2", frozenset({"sse4_1", "avx"})) == ["avx2"]
    assert missing_flags("AVX512_CORE", frozenset({"avx2"})) == ["sse4_1", "avx", "avx512f", "avx512bw", "avx512vl",
                                                                  "avx512dq"]  # fmt: skip
    assert missing_flags("AVX512_CORE_AMX", ZEN4) == ["amx_tile", "amx_int8", "amx_bf16"]


def test_a_level_beside_avx512_needs_its_own_flag():
    """AVX2_VNNI sits below AVX512_CORE in oneDNN's order, but Zen 4 has no AVX-VNNI: oneDNN would run AVX2."""
    assert missing_flags("AVX2_VNNI", ZEN4) == ["avx_vnni"]
    assert missing_flags("AVX2_VNNI", SAPPHIRE_RAPIDS) == []


def test_the_older_vnni_flag_spelling_counts():
    old_kernel = ZEN4 - {"avx512_vnni"} | {"avx512vnni"}
    assert missing_flags("AVX512_CORE_BF16", old_kernel) == []


def test_unknown_flags_miss_nothing():
    assert missing_flags("AVX512_CORE_AMX_FP16", frozenset()) == []


def test_every_onednn_level_has_its_flags():
    assert [level for level in ONEDNN_ISA_ORDER if missing_flags(level, SAPPHIRE_RAPIDS | {"amx_fp16",
            "avx_vnni_int8", "avx_ne_convert"})] == []  # fmt: skip


@pytest.mark.parametrize(
    ("level", "caps"),
    [
        (None, {}),
        ("AVX2", {"ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"}),
        ("SSE41",
         {"ONEDNN_MAX_CPU_ISA": "SSE41", "ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2"}),
        ("AVX", {"ONEDNN_MAX_CPU_ISA": "AVX", "ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "AVX"}),
        ("AVX512_CORE", {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE", "MKL_ENABLE_INSTRUCTIONS": "AVX512"}),
        ("AVX512_CORE_AMX", {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_AMX"}),
    ],
)  # fmt: skip
def test_each_level_sets_its_caps(level, caps):
    assert cap_environment(level) == caps
    assert set(caps) <= set(CAP_VARIABLES)


def test_the_capped_families_are_families_of_the_backend_registry():
    families = {spec.family for spec in BACKENDS.values()}
    assert set(CAPPED_FAMILIES) <= families and families - set(CAPPED_FAMILIES)
