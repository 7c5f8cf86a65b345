"""Modes measured dominated on this CPU class: slower than another mode of the same backend by more than the noise, and
no more accurate (a PSNR higher by at most ``SAME_PSNR_DB``). Each bench remembers its batch-1 figures per CPU
class, checkpoint, size and thread count (``core.cache``); the next bench skips a mode one of its planned siblings
dominated, naming the figures it was skipped on. ``bench --all`` measures everything again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..core import cache
from ..core.cpu_caps import cpu_class
from .plan import Case
from .records import OK, BenchRecord

KIND = "measured"
NOISE = 1.05  # slower by more than 5 %: closer figures are left to this run's measurement
# As accurate: PSNR within this much (two FP32 graphs of one model differ by a few hundredths of a dB).
SAME_PSNR_DB = 0.5


@dataclass(frozen=True)
class Figure:
    """One mode's batch-1 figures from an earlier bench."""

    label: str
    ms: float
    psnr_db: float
    when: str


def history_key(checkpoint_sha256: str, size: int, threads: int | None) -> str:
    """Where a model's figures on this CPU class are kept (the versions count too: ``cache.cache_key``)."""
    return cache.cache_key(cpu=cpu_class(), checkpoint=checkpoint_sha256, size=size, threads=threads)


def _mode(backend: str, form: str, compute: str) -> str:
    return f"{backend}|{form}|{compute}"


def load(key: str) -> dict[str, Figure]:
    """The figures kept under ``key`` (none when there are none or they do not read)."""
    kept = cache.read_json(KIND, key) or {}
    try:
        return {mode: Figure(**value) for mode, value in kept.items()}
    except (TypeError, AttributeError):
        return {}


def remember(records: Sequence[BenchRecord], key: str, when: str) -> None:
    """Keep the batch-1 figures of every mode that passed, beside those of modes this run did not measure."""
    figures = {mode: figure.__dict__ for mode, figure in load(key).items()}
    for record in records:
        if record.status == OK and record.batch == 1 and record.latency is not None and record.parity is not None:
            psnr = record.parity.psnr_db if math.isfinite(record.parity.psnr_db) else 1e9
            figures[_mode(record.backend, record.form, record.compute)] = Figure(
                record.label, record.latency.ms_per_image.p50, psnr, when).__dict__  # fmt: skip
    cache.write_json(KIND, key, figures, {"cpu_class": cpu_class()})


def skip_dominated(cases: Sequence[Case], figures: dict[str, Figure]) -> tuple[list[Case], list[str]]:
    """The cases to measure, and one line per case skipped: another planned case of its backend was faster by
    more than the noise and at least as accurate when both were last measured."""
    planned = {_mode(c.backend, c.form, c.compute): c for c in cases}
    kept, skipped = [], []
    for case in cases:
        own = figures.get(_mode(case.backend, case.form, case.compute))
        better = [
            figures[mode] for mode, other in planned.items()
            if other.backend == case.backend and other is not case and mode in figures and own is not None
            and figures[mode].ms * NOISE < own.ms and figures[mode].psnr_db >= own.psnr_db - SAME_PSNR_DB
        ]  # fmt: skip
        if case.problem is None and own is not None and better:
            best = min(better, key=lambda figure: figure.ms)
            skipped.append(f"{own.label}: dominated on this CPU class ({own.ms:.2f} ms, {own.psnr_db:.1f} dB on "
                           f"{own.when}; {best.label}: {best.ms:.2f} ms, {best.psnr_db:.1f} dB)")  # fmt: skip
        else:
            kept.append(case)
    return kept, skipped
