"""The one choice every command makes from measured records: the fastest mode whose images pass.

``bench`` names it in its report, the main job translates with it, and the CPU fast path (``fast_path``,
the bench on a narrowed plan) runs it for ``infer --backend openvino``.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..backends import BACKENDS
from ..core.gates import Gate
from .records import OK, BenchRecord


def meets(record: BenchRecord, gate: Gate) -> bool:
    """Whether a measured record's images meet ``gate`` (its PSNR, SSIM and max abs, as results.json keeps them)."""
    parity = record.parity
    if parity is None or parity.nonfinite:
        return False
    checks = (
        (gate.min_psnr_db, parity.psnr_db, 1),
        (gate.min_ssim, parity.ssim, 1),
        (gate.max_abs, parity.max_abs, -1),
    )
    return all(bound is None or (value is not None and sign * (value - bound) >= 0) for bound, value, sign in checks)


def choosable(record: BenchRecord, gate: Gate | None = None, batch: int = 1) -> bool:
    """A record at ``batch`` that was timed, passed its own gate, meets ``gate`` where given, and whose backend
    may be chosen by one measurement (``BackendSpec.not_chosen``: MNN's speed is not stable)."""
    spec = BACKENDS.get(record.backend)
    return (record.status == OK and record.batch == batch and record.latency is not None
            and not (spec is not None and spec.not_chosen) and (gate is None or meets(record, gate)))  # fmt: skip


def choose_fastest(records: Sequence[BenchRecord], gate: Gate | None = None, batch: int = 1) -> BenchRecord | None:
    """The fastest ``choosable`` record (median ms per image), None when none is."""
    passing = [record for record in records if choosable(record, gate, batch)]
    return min(passing, key=lambda r: r.latency.ms_per_image.p50 if r.latency else float("inf"), default=None)


def why_not_chosen(records: Sequence[BenchRecord], chosen: BenchRecord | None, gate: Gate | None = None,
                   batch: int = 1) -> list[str]:  # fmt: skip
    """One line per other record at ``batch``: why it was not taken (its status and reason, or its time)."""
    lines = []
    for record in (r for r in records if r.batch == batch and r is not chosen):
        if choosable(record, gate, batch) and chosen is not None and chosen.latency and record.latency:
            ms, best = record.latency.ms_per_image.p50, chosen.latency.ms_per_image.p50
            lines.append(f"{record.mode}: {ms:.1f} ms, slower than {chosen.mode} ({best:.1f} ms)")
        elif record.status != OK:
            lines.append(f"{record.mode}: {record.status}: {record.reason}")
        else:
            spec = BACKENDS.get(record.backend)
            lines.append(
                f"{record.mode}: not chosen ({spec.not_chosen if spec and spec.not_chosen else 'misses the gate'})"
            )
    return lines
