"""The timing loop: warm-up, then timed runs of one staged batch, synchronized after each run.

Device work is timed with a host clock around ``execute`` + ``synchronize``, so every millisecond the
GPU spends is inside the measurement and nothing queued leaks into the next sample. ``time_interleaved``
runs the same loop over several callables in turn (the study scripts in the top-level ``benchmarks/studies/`` use it).
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Mapping

import numpy as np

from ..backends import Backend
from .records import Latency, Stats


def _percentile(values: np.ndarray, q: float) -> float:
    return float(np.percentile(values, q))


def summarize(samples_ms: list[float], batch: int) -> Latency:
    """ms per batch and per image (p50, p90, p99, mean, std, min) and throughput."""
    values = np.asarray(samples_ms, dtype=np.float64)
    per_batch = Stats(
        p50=_percentile(values, 50),
        p90=_percentile(values, 90),
        p99=_percentile(values, 99),
        mean=float(values.mean()),
        std=float(values.std(ddof=1)) if len(values) > 1 else 0.0,
        min=float(values.min()),
    )
    return Latency(
        ms_per_batch=per_batch,
        ms_per_image=per_batch.divided_by(batch),
        images_per_s=batch * 1000.0 / per_batch.p50,
        iters=len(values),
        samples_ms=[round(v, 4) for v in samples_ms],
    )


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS counter of this process (Linux >= 4.0); False where unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def peak_rss_mb() -> float:
    """Peak resident set size of this process since the last ``reset_peak_rss`` (or since start)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# A time budget stops the timed runs early, never before this many (a median and a spread need a few samples).
MIN_TIMED_RUNS = 5


def _timed_runs(
    run: Callable[[], object],
    iters: int,
    warmup: int,
    clock: Callable[[], float],
    progress: Callable[[], None] | None = None,
    max_seconds: float = 0.0,
) -> list[float]:
    """The one timing loop: ``warmup`` untimed calls, then the milliseconds of each of ``iters`` calls. With
    ``max_seconds`` > 0 the warm-up stops once it took a third of that (after one call; trtexec's warm-up is a
    duration too), and the timed calls once they took all of it, after at least ``MIN_TIMED_RUNS``."""
    start = clock() if max_seconds > 0 else 0.0
    for _ in range(warmup):
        run()
        if max_seconds > 0 and clock() - start >= max_seconds / 3:
            break
    samples: list[float] = []
    for _ in range(iters):
        start = clock()
        run()
        samples.append((clock() - start) * 1e3)
        if progress:
            progress()
        if max_seconds > 0 and len(samples) >= MIN_TIMED_RUNS and sum(samples) >= max_seconds * 1e3:
            break
    return samples


def time_interleaved(
    runs: Mapping[str, Callable[[], object]],
    rounds: int,
    iters: int,
    warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, list[float]]:
    """Milliseconds per call of each named callable, ``iters * rounds`` samples per name.

    Each round gives every callable in turn ``warmup`` untimed calls and then ``iters`` timed ones, so
    drift over the run (clock boost, heat, other load) hits every form alike.
    """
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            samples[name] += _timed_runs(run, iters, warmup, clock)
    return samples


def measure_latency(
    backend: Backend,
    images: np.ndarray,
    warmup: int = 3,
    iters: int = 20,
    clock: Callable[[], float] = time.perf_counter,
    progress: Callable[[], None] | None = None,
    max_seconds: float = 0.0,
) -> Latency:
    """Time ``iters`` runs of a loaded backend on one batch after ``warmup`` untimed runs (fewer, at least
    ``MIN_TIMED_RUNS``, once the timed runs took ``max_seconds`` > 0)."""
    staged = backend.stage(images)
    backend.synchronize()

    def run() -> None:
        backend.execute(staged)
        backend.synchronize()

    return summarize(_timed_runs(run, iters, warmup, clock, progress, max_seconds), len(images))
