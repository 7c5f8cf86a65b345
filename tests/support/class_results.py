"""Per-class bench results made by hand for the ``bench --isa`` tests: a native class and an AVX2-capped one."""

from __future__ import annotations

from support.bench_results import latency, record
from ugatit_deploy.benchmarks.class_records import ClassesRecord, ClassResult, ModeCell
from ugatit_deploy.benchmarks.records import BenchRecord
from ugatit_deploy.core.cpu_caps import cap_environment

BF16_REASON = "ONEDNN_MAX_CPU_ISA=AVX2 caps oneDNN below AVX512_CORE_BF16: no BF16 kernels in this class"
COMMAND = "ugatit-deploy bench --isa native,avx2"


def measured(backend: str, precision: str, ms: float, eager_ms: float) -> BenchRecord:
    """A record that ran at ``ms`` per image, its speed-up over an eager FP32 of ``eager_ms``."""
    return record(backend, precision, 1, latency=latency(ms, ms, 1), speedup_vs_torch_eager=eager_ms / ms)


def native_records() -> list[BenchRecord]:
    """native: eager 7.2 ms, OpenVINO BF16 2.0 ms, ORT 4.0 ms."""
    return [measured("torch-cpu", "fp32", 7.2, 7.2), measured("openvino-cpu", "bf16", 2.0, 7.2),
            measured("onnxruntime-cpu", "fp32", 4.0, 7.2)]  # fmt: skip


def avx2_records() -> list[BenchRecord]:
    """avx2: eager 14.4 ms, BF16 unavailable, ORT 4.1 ms (its own kernels: not capped)."""
    return [measured("torch-cpu", "fp32", 14.4, 14.4), record("openvino-cpu", "bf16", 1, "unavailable", BF16_REASON),
            measured("onnxruntime-cpu", "fp32", 4.1, 14.4)]  # fmt: skip


def class_result(name: str, cap: str | None, records: list[BenchRecord], isa: str, exit_code: int = 0) -> ClassResult:
    """A class whose child finished with ``records``."""
    return ClassResult(name, cap, cap_environment(cap), f"isa-{name}", exit_code, isa=isa,
                       modes=[ModeCell.of(r) for r in records])  # fmt: skip


def two_classes() -> ClassesRecord:
    """native and avx2, as ``bench --isa native,avx2`` records them."""
    return ClassesRecord(COMMAND, [class_result("native", None, native_records(), "AVX2 AVX512F"),
                                   class_result("avx2", "AVX2", avx2_records(),
                                                "AVX2 AVX512F (ONEDNN_MAX_CPU_ISA=AVX2)")])  # fmt: skip
