"""Bench stage 3, the measurements: create each case's runner, run every image through it at each batch
size (compared with the reference in stage 4, ``compare``), time it, and record its memory and floor.

A backend problem never raises here: it becomes the status of the case's records (unavailable,
unsupported, failed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..backends import BACKENDS, Backend, BackendError, create_backend
from ..core.errors import UgatitDeployError
from ..core.gates import Gate
from ..formats import FORMATS
from .compare import ignores_cap, judge, parity_of, runs_winograd
from .floor import peak_key
from .latency import measure_latency, peak_rss_mb, reset_peak_rss, summarize
from .plan import Case
from .records import FAILED, FAILED_PARITY, OK, UNAVAILABLE, UNSUPPORTED, BenchRecord, Floor, Memory
from .task import TaskInputs

# What a runner raises when it cannot load or run: the case's records say so, the bench goes on.
RUN_ERRORS = (UgatitDeployError, BackendError, RuntimeError, OSError)


@dataclass(frozen=True)
class MeasureContext:
    """What every measurement of a run shares."""

    images: np.ndarray  # N x 3 x H x W in [-1, 1]
    reference: np.ndarray  # the PyTorch FP32 outputs of ``images``
    sets: Mapping[str, Sequence[int]]  # input sets judged on their own: name -> [start, stop)
    gates: Mapping[str, Gate]  # precision -> gate (a precision not listed passes on finite outputs)
    warmup: int
    iters: int
    flops: int  # per image
    peaks: Mapping[str, float | None]  # peak key -> GFLOP/s
    task: TaskInputs | None = None  # the photos and cartoons of the task score, for a cartoonize model
    max_seconds: float = 0.0  # the timed runs of one batch stop after this long (``BenchSettings.max_time``)


@dataclass
class Measured:
    """A case's records, its runner (kept for further timing rounds) and its images at the first batch."""

    case: Case
    runner: Backend | None
    records: list[BenchRecord]
    output: np.ndarray | None = None

    @property
    def timed(self) -> bool:
        return self.runner is not None and any(record.latency is not None for record in self.records)


def open_runner(case: Case) -> tuple[Backend | None, tuple[str, str] | None]:
    """The case's runner (created, not loaded: it names the records) and why the case cannot run, if it
    cannot. A problem the plan decided wins over one creating the runner meets."""
    runner, error = None, (FAILED, "no model file")
    if case.artifact is not None:
        try:
            runner = create_backend(case.backend, case.artifact, **case.options)
        except UgatitDeployError as exc:
            error = (FAILED, str(exc))
    if case.problem is not None or runner is None:
        return runner, case.problem or error
    if not (status := runner.availability()).ok:
        return runner, (UNAVAILABLE, status.reason)
    return runner, None


def base_record(case: Case, runner: Backend | None, batch: int, status: str, reason: str = "") -> BenchRecord:
    """A record without measurements; the runner, when there is one, names it (its file's form and variant, the
    compute hints it applies), else the case."""
    artifact = case.artifact
    info = runner.info if runner is not None else None
    return BenchRecord(
        backend=case.backend,
        form=info.form if info else case.form,
        compute=info.compute if info else case.compute,
        variant=info.file_variant if info else case.file_variant,
        options=dict(info.options) if info else {},
        batch=batch,
        label=info.label if info else case.label,
        artifact=artifact.name if artifact is not None else None,
        size_mb=_size_mb(runner, artifact),
        status=status,
        reason=reason,
    )


def _size_mb(runner: Backend | None, artifact: Path | None) -> float | None:
    """The model's size on disk: all its files (ncnn: param + bin) when a runner says, else the artifact's."""
    size = runner.artifact_bytes() if runner is not None else None
    if size is None and artifact is not None and artifact.is_file():
        size = artifact.stat().st_size
    return size / 1e6 if size is not None else None


def run_all(runner: Backend, images: np.ndarray, batch: int) -> np.ndarray:
    """All images through the runner in batches of ``batch`` (the last one padded by repetition)."""
    outputs = []
    for start in range(0, len(images), batch):
        chunk = images[start : start + batch]
        if len(chunk) < batch:
            chunk = np.concatenate([chunk, np.repeat(chunk[-1:], batch - len(chunk), axis=0)])
        outputs.append(runner.run(chunk)[: len(images) - start])
    return np.concatenate(outputs)


def tile(images: np.ndarray, batch: int) -> np.ndarray:
    """A batch of ``batch`` images (the inputs repeated or cut) for the timing loop."""
    return np.resize(images, (batch, *images.shape[1:])) if len(images) != batch else images


def measure_batch(case: Case, runner: Backend, batch: int,
                  context: MeasureContext) -> tuple[BenchRecord, np.ndarray | None]:  # fmt: skip
    """One record of a loaded runner: parity and gate, latency, memory and floor at this batch size."""
    if reason := runner.accepts((batch, *context.images.shape[1:])):
        return base_record(case, runner, batch, UNSUPPORTED, reason), None
    outputs = run_all(runner, context.images, batch)
    precision = runner.info.precision
    measured = parity_of(context.reference, outputs, context.sets)
    # A format whose runtime is judged differently at this precision (Winograd FP32: "FP32-grade") has its own gate.
    fmt = FORMATS.get(BACKENDS[case.backend].runs) if case.backend in BACKENDS else None
    own = fmt.gates.get(precision) if fmt is not None else None
    gate = judge(measured, own or context.gates.get(precision, Gate()))
    parity = measured.record
    reset_peak_rss()
    # The parity pass just ran every image through the runner at this batch size (first-call costs paid): one untimed
    # call of the timed path itself is warm-up enough.
    latency = measure_latency(runner, tile(context.images, batch), min(context.warmup, 1), context.iters,
                              max_seconds=context.max_seconds)  # fmt: skip
    gpu = runner.device_memory_bytes()
    memory = Memory(peak_rss_mb(), gpu / 2**20 if gpu is not None else None)
    key = peak_key(case.device, runner.info.form, runner.info.compute)
    winograd = runs_winograd(case.backend, runner.info.form)
    floor = Floor.of(context.flops, latency.images_per_s, key, context.peaks.get(key), winograd,
                     ignores_cap(case.backend))  # fmt: skip
    task = context.task.score(outputs) if context.task is not None else None
    if task is not None and context.task is not None and (shortfall := context.task.shortfall(task)):
        gate = replace(gate, passed=False, failures=[*gate.failures, shortfall])
    record = base_record(case, runner, batch, OK if gate.passed else FAILED_PARITY, "; ".join(gate.failures))
    return replace(record, parity=parity, gate=gate, latency=latency, memory=memory, floor=floor, task=task,
                   cold_start_ms=runner.cold_start_ms), outputs  # fmt: skip


def progress_line(record: BenchRecord) -> str:
    line = f"  {record.label} batch {record.batch}: {record.status}"
    if record.latency is not None:
        line += f", {record.latency.ms_per_image.p50:.2f} ms/img"
    if record.parity is not None:
        line += f", PSNR {record.parity.psnr_db:.1f} dB"
    if record.task is not None:
        line += f", task PSNR {record.task.psnr_db:.2f} dB"
    if record.reason:
        line += f" ({record.reason})"
    return line


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def measure_case(case: Case, batches: Sequence[int], context: MeasureContext,
                 log: Callable[[str], None] = print) -> Measured:  # fmt: skip
    """Every batch size of one case: records with a status, never an exception for a backend problem."""
    runner, problem = open_runner(case)
    if problem is not None:
        log(f"  {case.label}: {problem[0]}: {problem[1]}")
        return Measured(case, None, [base_record(case, runner, batch, *problem) for batch in batches])
    assert runner is not None
    measured = Measured(case, runner, [])
    try:
        runner.load()
        for batch in batches:
            record, outputs = measure_batch(case, runner, batch, context)
            measured.records.append(record)
            if measured.output is None:
                measured.output = outputs
            log(progress_line(record))
    except RUN_ERRORS as exc:
        done = {record.batch for record in measured.records}
        reason = _first_line(exc)
        measured.records += [base_record(case, runner, b, FAILED, reason) for b in batches if b not in done]
        log(f"  {runner.info.label}: failed: {reason}")
    finally:
        runner.close()
    return measured


def time_again(measured: Sequence[Measured], context: MeasureContext, log: Callable[[str], None] = print) -> None:
    """One more timing round of every timed case, its samples pooled into its records. Rounds spread each
    backend's samples over the whole run, so a machine whose speed drifts (shared or throttled CPUs) slows
    every backend alike instead of whichever ran during the slow minute."""
    for case in (m for m in measured if m.timed):
        runner = case.runner
        assert runner is not None
        try:
            runner.load()
            for record in case.records:
                if record.latency is None or record.floor is None:
                    continue
                more = measure_latency(runner, tile(context.images, record.batch), context.warmup, context.iters,
                                       max_seconds=context.max_seconds)  # fmt: skip
                record.latency = summarize(record.latency.samples_ms + more.samples_ms, record.batch)
                winograd = runs_winograd(record.backend, record.form)
                record.floor = Floor.of(context.flops, record.latency.images_per_s, record.floor.peak_key,
                                        record.floor.peak_gflops, winograd, ignores_cap(record.backend))  # fmt: skip
        except RUN_ERRORS as exc:
            log(f"  {runner.info.label}: this round failed ({_first_line(exc)}); earlier rounds kept")
        finally:
            runner.close()
