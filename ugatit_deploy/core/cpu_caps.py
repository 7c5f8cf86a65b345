"""What this CPU can compute in, as oneDNN (inside PyTorch and OpenVINO) will use it: the CPU's flags and the
``ONEDNN_MAX_CPU_ISA`` cap, which lets one machine stand in for an older CPU class (``ONEDNN_MAX_CPU_ISA=AVX2``).

One place for the question "does BF16 / VNNI run here?", asked by the OpenVINO runner (a BF16 mode under the
AVX2 cap must say so in words, not fail inside OpenVINO), the benchmarks and the CPU fast path. Also the
flags each oneDNN level needs (``missing_flags``: a cap above this CPU would quietly measure a lower level) and
the variables that cap a level (``cap_environment``): oneDNN's, and below AVX-512 PyTorch's own kernels (ATen)
and MKL's, so that torch eager runs as that class too.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping

CAP_VARIABLE = "ONEDNN_MAX_CPU_ISA"
# Pretend this CPU is of a oneDNN level's class (its flags replace /proc/cpuinfo's) for every capability question
# this package asks: how the suite shows that no test depends on the host's ISA. The kernels still run on the host.
FAKE_CPU_VARIABLE = "UGATIT_DEPLOY_FAKE_CPU"

# oneDNN's ISA levels, lowest first (its docs, "CPU Dispatcher Control"); a cap allows its level and those below.
ONEDNN_ISA_ORDER = (
    "SSE41",
    "AVX",
    "AVX2",
    "AVX2_VNNI",
    "AVX2_VNNI_2",
    "AVX512_CORE",
    "AVX512_CORE_VNNI",
    "AVX512_CORE_BF16",
    "AVX10_1_512",
    "AVX512_CORE_FP16",
    "AVX10_1_512_AMX",
    "AVX512_CORE_AMX",
    "AVX10_1_512_AMX_FP16",
    "AVX512_CORE_AMX_FP16",
)
NO_CAP = ("", "ALL", "DEFAULT")
# Every variable a cap sets or clears; the older DNNL_ spelling too, so an inherited one cannot leak in.
CAP_VARIABLES = (CAP_VARIABLE, "DNNL_MAX_CPU_ISA", "ATEN_CPU_CAPABILITY", "MKL_ENABLE_INSTRUCTIONS")
# Backend families (``backends`` registry) whose kernels the caps govern (oneDNN, ATen, MKL); the others
# (ONNX Runtime, MNN, ncnn) bring their own kernels and ignore them.
CAPPED_FAMILIES = ("torch", "openvino")
_AMX = ("amx_tile", "amx_int8", "amx_bf16")
# level: (the level it builds on, the /proc/cpuinfo flags it adds), as oneDNN's mayiuse() decides.
_NEEDS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "SSE41": (None, ("sse4_1",)),
    "AVX": ("SSE41", ("avx",)),
    "AVX2": ("AVX", ("avx2",)),
    "AVX2_VNNI": ("AVX2", ("avx_vnni",)),
    "AVX2_VNNI_2": ("AVX2_VNNI", ("avx_vnni_int8", "avx_ne_convert")),
    "AVX512_CORE": ("AVX2", ("avx512f", "avx512bw", "avx512vl", "avx512dq")),
    "AVX512_CORE_VNNI": ("AVX512_CORE", ("avx512_vnni",)),
    "AVX512_CORE_BF16": ("AVX512_CORE_VNNI", ("avx512_bf16",)),
    "AVX10_1_512": ("AVX512_CORE_BF16", ("avx512_fp16",)),
    "AVX512_CORE_FP16": ("AVX10_1_512", ()),
    "AVX10_1_512_AMX": ("AVX10_1_512", _AMX),
    "AVX512_CORE_AMX": ("AVX512_CORE_BF16", _AMX),
    "AVX10_1_512_AMX_FP16": ("AVX10_1_512_AMX", ("amx_fp16",)),
    "AVX512_CORE_AMX_FP16": ("AVX512_CORE_AMX", ("amx_fp16",)),
}
_FLAG_ALIASES = {"avx512vnni": "avx512_vnni"}  # older kernels' spelling
BF16_LEVEL = "AVX512_CORE_BF16"  # the first level with BF16 dot products (AMX levels are above it)
BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # /proc/cpuinfo flags of native BF16 compute


def read_cpu_flags(cpuinfo: str | None = None) -> frozenset[str]:
    """The first ``flags`` line of /proc/cpuinfo (or of ``cpuinfo``); empty where there is none. Without
    ``cpuinfo``, ``$UGATIT_DEPLOY_FAKE_CPU`` (a oneDNN level) gives that level's flags instead."""
    fake = os.environ.get(FAKE_CPU_VARIABLE, "").strip().upper()
    if cpuinfo is None and fake:
        return faked_flags(fake)
    if cpuinfo is None:
        try:
            with open("/proc/cpuinfo") as handle:
                cpuinfo = handle.read()
        except OSError:
            return frozenset()
    for row in cpuinfo.splitlines():
        key, _, value = row.partition(":")
        if key.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


def faked_flags(level: str) -> frozenset[str]:
    """The /proc/cpuinfo flags of a CPU of oneDNN ``level``'s class (with FMA, which every level from AVX2 has)."""
    if level not in _NEEDS:
        raise ValueError(f"{FAKE_CPU_VARIABLE}={level}: not a oneDNN ISA level (one of {', '.join(ONEDNN_ISA_ORDER)})")
    return frozenset([*_level_flags(level), "sse4_2", "fma"])


def onednn_cap(environ: Mapping[str, str] | None = None) -> str | None:
    """The ``ONEDNN_MAX_CPU_ISA`` cap in force (upper case), or None when oneDNN may use the whole CPU."""
    value = (os.environ if environ is None else environ).get(CAP_VARIABLE, "").strip().upper()
    return None if value in NO_CAP else value


def cap_allows(level: str, environ: Mapping[str, str] | None = None) -> bool:
    """Whether the cap (if any) lets oneDNN use ISA ``level``; an unknown cap value is taken as no cap, as
    oneDNN ignores values it does not know."""
    cap = onednn_cap(environ)
    if cap is None or cap not in ONEDNN_ISA_ORDER:
        return True
    return ONEDNN_ISA_ORDER.index(level) <= ONEDNN_ISA_ORDER.index(cap)


def bf16_unavailable_reason(
    flags: frozenset[str] | None = None, environ: Mapping[str, str] | None = None
) -> str | None:
    """None when oneDNN can compute in BF16 here, else why not in words (no BF16 instructions, or a cap)."""
    flags = read_cpu_flags() if flags is None else flags
    if not any(flag in flags for flag in BF16_FLAGS):
        return "this CPU has no native BF16 instructions (AVX512_BF16 or AMX_BF16)"
    if not cap_allows(BF16_LEVEL, environ):
        return f"{CAP_VARIABLE}={onednn_cap(environ)} caps oneDNN below {BF16_LEVEL}: no BF16 kernels in this class"
    return None


# /proc/cpuinfo flags of INT8 dot products (VNNI, AMX) and the oneDNN level that uses each
INT8_DOT_FLAGS = {"avx_vnni": "AVX2_VNNI", "avx512_vnni": "AVX512_CORE_VNNI", "amx_int8": "AVX512_CORE_AMX"}


def int8_dot_unavailable_reason(
    flags: frozenset[str] | None = None, environ: Mapping[str, str] | None = None
) -> str | None:
    """None when oneDNN has INT8 dot-product instructions here (VNNI, AMX), else why not in words. Without them an
    INT8 multiply-add runs as u8 x s8 pairs summed in 16 bits, at most about twice the FP32 rate."""
    flags = read_cpu_flags() if flags is None else flags
    have = {_FLAG_ALIASES.get(flag, flag) for flag in flags}
    present = {level for flag, level in INT8_DOT_FLAGS.items() if flag in have}
    if not present:
        return "this CPU has no INT8 dot-product instructions (AVX-VNNI, AVX512_VNNI or AMX_INT8)"
    if not any(cap_allows(level, environ) for level in present):
        lowest = min(present, key=ONEDNN_ISA_ORDER.index)
        return f"{CAP_VARIABLE}={onednn_cap(environ)} caps oneDNN below {lowest}: no INT8 dot products"
    return None


def _level_flags(level: str) -> list[str]:
    """Every /proc/cpuinfo flag oneDNN needs to run ``level``."""
    base, flags = _NEEDS[level]
    return [*(_level_flags(base) if base else []), *flags]


def missing_flags(level: str, flags: frozenset[str]) -> list[str]:
    """The flags ``level`` needs that ``flags`` lacks (none when the flags are unknown: nothing to check)."""
    have = {_FLAG_ALIASES.get(flag, flag) for flag in flags}
    return [flag for flag in _level_flags(level) if flag not in have] if flags else []


def cap_environment(level: str | None) -> dict[str, str]:
    """The ``CAP_VARIABLES`` that cap this machine at oneDNN ``level`` (upper case; None: no cap, none)."""
    if level is None:
        return {}
    index = ONEDNN_ISA_ORDER.index(level)
    caps = {CAP_VARIABLE: level}
    if "AMX" in level:  # no MKL value names these levels: oneDNN's cap only
        return caps
    if index >= ONEDNN_ISA_ORDER.index("AVX512_CORE"):  # ATen's AVX-512 kernels need only AVX512_CORE's set
        return caps | {"MKL_ENABLE_INSTRUCTIONS": "AVX512"}
    aten = "avx2" if index >= ONEDNN_ISA_ORDER.index("AVX2") else "default"
    mkl = {"SSE41": "SSE4_2", "AVX": "AVX"}.get(level, "AVX2")
    return caps | {"ATEN_CPU_CAPABILITY": aten, "MKL_ENABLE_INSTRUCTIONS": mkl}


def cpu_class() -> str:
    """A short key for what oneDNN may use here: the CPU's flags and the ONEDNN_MAX_CPU_ISA cap."""
    flags = hashlib.sha256(" ".join(sorted(read_cpu_flags())).encode()).hexdigest()[:8]
    return f"{flags}-{(onednn_cap() or 'native').lower()}"
