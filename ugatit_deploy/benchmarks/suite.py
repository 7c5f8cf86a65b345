"""``ugatit-deploy bench``: parity and latency of every backend x precision x batch on the same images.

``run_bench(settings)`` returns the results (``BenchResults``, documented in docs/benchmarks.md) and
the images the report needs; ``write_outputs`` turns them into results.json / .csv, report.md, a latency
chart and the image grids. The CLI and the main-job demo both call these two functions.

The stages, each in its own module: prepare (``prepare``: the artifacts the asked-for backends run,
exporting ONNX and building engines when none are given) -> plan (``plan``: the cases, pure) -> measure
(``measure``) -> compare (``compare``: parity, gates, speed-ups, floor) -> report (``report``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..checkpoint import checkpoint_sha256
from ..core import cache
from ..core.cpu_caps import cpu_class
from ..core.fileio import atomic_output
from ..core.gates import FAST_PATH_GATE
from ..core.imaging import IMAGE_EXTENSIONS, image_to_tensor, read_image, resize
from ..core.progress import above, progress_bar
from ..core.reference_images import reference_batch, trained_on_photos
from ..export.reuse import opened_generator
from ..forms import gates_with
from . import dominated
from .choose import choose_fastest
from .compare import add_speedups, apply_peaks, best_peaks
from .floor import measure_peaks, model_flops
from .machine import baseline_warning, machine_record
from .measure import MeasureContext, Measured, measure_case, time_again
from .peaks import Peak, describe, gflops_by_key
from .plan import Case, plan_cases, what_can_win
from .prepare import prepare_artifacts
from .records import SCHEMA, SCHEMA_VERSION, BenchRecord, BenchResults, FloorSummary, Inputs, ModelInfo, RunSettings
from .reference import reference_images
from .settings import BenchError, BenchSettings
from .task import TaskInputs

__all__ = ["SCHEMA", "SCHEMA_VERSION", "BenchError", "BenchRun", "BenchSettings", "image_sets", "load_inputs",
           "run_bench", "write_json", "write_outputs"]  # fmt: skip

MAX_IMAGES = 16
PEAKS = "peaks"  # the cache kind of the matmul peaks


@dataclass
class BenchRun:
    results: BenchResults
    inputs: np.ndarray
    reference: np.ndarray
    outputs: dict[str, np.ndarray]  # label -> images (first measured batch) for the grid
    cases: dict[str, Case] = field(default_factory=dict)  # runner label -> the case it ran (first one)

    def gate_failures(self) -> list[str]:
        """Labels of records whose precision was gated (--gate) and that failed parity or crashed."""
        return self.results.gate_failures()


def load_inputs(folder: Path | None, size: int, circles: bool = True) -> tuple[np.ndarray, list[str]]:
    """Real images: ``folder`` (sorted, at most 16), else the bundled photos (+ 4 circle images unless
    ``circles`` is False: the built-in model's bench shows photos only, what it was made for)."""
    if folder is None:
        from ..core.reference_images import photo_paths

        count = 4 if circles else 0
        names = [p.name for p in photo_paths()] + [f"demo_circle_{i}" for i in range(count)]
        return reference_batch(size, count).numpy(), names
    if not folder.is_dir():
        raise BenchError(f"--images {folder}: not a folder")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS)[:MAX_IMAGES]
    if not files:
        raise BenchError(f"--images {folder}: no images ({', '.join(IMAGE_EXTENSIONS)})")
    tensors = [image_to_tensor(resize(read_image(p), (size, size))) for p in files]
    return torch.stack(tensors).numpy(), [p.name for p in files]


def image_sets(names: Sequence[str], folder: Path | None) -> dict[str, list[int]]:
    """Index ranges [start, stop) of the input sets judged on their own: the bundled photos and the demo
    images by default (a mode must pass on natural photos, not only on the mix); one set for --images."""
    if folder is not None:
        return {"images": [0, len(names)]}
    photos = sum(1 for name in names if not name.startswith("demo_"))
    sets = {"photos": [0, photos], "demo": [photos, len(names)]}
    return {name: span for name, span in sets.items() if span[1] > span[0]}


def _peaks_key(threads: int | None) -> str:
    """The peaks' cache key: the CPU class (flags and oneDNN cap), threads, the GPU, the versions."""
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else ""
    return cache.cache_key(cpu=cpu_class(), threads=threads or torch.get_num_threads(), gpu=gpu)


def _first_peaks(threads: int | None, log: Callable[[str], None]) -> tuple[dict, bool]:
    """This CPU's peaks, logged (after a note where the environment slows the torch eager baseline): measured,
    or reused from the cache of this CPU class, thread count and versions (True)."""
    if warning := baseline_warning():
        log(warning)
    key = _peaks_key(threads)
    if (kept := cache.read_json(PEAKS, key)) is not None:
        peaks, reused = {name: Peak(**value) for name, value in kept.items()}, True
        log(f"reusing the matmul peaks measured earlier on this CPU class ({PEAKS}/{key})")
    else:
        log(f"measuring the matmul peaks ({threads or torch.get_num_threads()} threads)")
        peaks, reused = measure_peaks(threads), False
    for name, peak in peaks.items():
        log(f"  {describe(name, peak)}")
    return peaks, reused


def _measure_all(cases: Sequence[Case], settings: BenchSettings, context: MeasureContext, log: Callable[[str], None],
                 progress: bool) -> list[Measured]:  # fmt: skip
    """Every case measured, then timed again for each further round, under a progress bar of cases."""
    with progress_bar(cases, desc="measuring", unit="mode", enabled=progress) as bar:
        write = above(bar, log)
        measured = [measure_case(case, settings.batches, context, write) for case in bar]
    if settings.rounds > 1:
        with progress_bar(range(2, settings.rounds + 1), desc="timing rounds", unit="round", enabled=progress) as bar:
            write = above(bar, log)
            for round_index in bar:
                write(f"timing round {round_index} of {settings.rounds}")
                time_again(measured, context, write)
    return measured


def _keep_peaks(threads: int | None, peaks: dict) -> None:
    cache.write_json(PEAKS, _peaks_key(threads), {name: asdict(peak) for name, peak in peaks.items()},
                     {"cpu_class": cpu_class(), "threads": threads})  # fmt: skip


def _size(settings: BenchSettings, config: Any) -> int:
    """The benchmarked size (BenchError for one the model cannot run)."""
    size = settings.size or config.img_size
    if size % 4 or size < 8:
        raise BenchError(f"--size {size}: U-GAT-IT needs a multiple of 4, at least 8")
    if not config.light and size != config.img_size:
        raise BenchError(f"--size {size}: a full (non-light) model only runs at its img_size {config.img_size}")
    return size


def _cases(settings: BenchSettings, size: int, history: str, not_run: list[str], log: Callable[[str], None],
           progress: bool) -> list[Case]:  # fmt: skip
    """The planned cases, less those an earlier bench measured dominated here (added to ``not_run``)."""
    cases = plan_cases(settings, prepare_artifacts(settings, size, log, progress))
    if settings.everything:
        return cases
    cases, skipped = dominated.skip_dominated(cases, dominated.load(history))
    for line in skipped:
        log(f"not planned here: {line} (bench --all measures it)")
    not_run += skipped
    return cases


def run_bench(settings: BenchSettings, log: Callable[[str], None] = print, progress: bool = True) -> BenchRun:
    """Measure every case of what can win here (``plan.what_can_win``; everything with ``settings.everything``);
    never raises for a backend problem (it becomes the record's status). ``progress``: bars over the exports
    and the cases on stderr (only ever drawn on a terminal)."""
    settings.check()
    settings, not_run = what_can_win(settings)
    for line in not_run:
        log(f"not planned here: {line} (bench --all measures it)")
    info, _ = opened_generator(str(settings.checkpoint), settings.direction)  # the one the exports use
    for note in info.notes:
        log(f"note: {note}")
    config = info.config_for(settings.direction)
    size = _size(settings, config)
    scored = trained_on_photos(info.metadata)
    images, names = load_inputs(settings.images, size, circles=not scored)
    sets = image_sets(names, settings.images)
    reference = reference_images(settings.checkpoint, settings.direction, images, log)
    settings.out.mkdir(parents=True, exist_ok=True)

    gates = gates_with(settings.gates)
    flops = model_flops(config, size)
    peaks, reused = _first_peaks(settings.threads, log) if settings.peaks else ({}, True)
    history = dominated.history_key(checkpoint_sha256(settings.checkpoint), size, settings.threads)
    cases = _cases(settings, size, history, not_run, log, progress)
    task = TaskInputs.of(images, sets, reference) if scored else None
    context = MeasureContext(images, reference, sets, gates, settings.warmup, settings.iters, flops,
                             gflops_by_key(peaks), task, settings.max_time)  # fmt: skip
    measured = _measure_all(cases, settings, context, log, progress)
    records = [record for m in measured for record in m.records]
    if settings.rounds > 1 and not reused:  # the peak drifts too: the best of the first and the last measurement
        log("measuring the matmul peaks again")
        peaks = best_peaks(peaks, measure_peaks(settings.threads))
    if not reused:
        _keep_peaks(settings.threads, peaks)
    dominated.remember(records, history, datetime.now(timezone.utc).date().isoformat())
    apply_peaks(records, gflops_by_key(peaks))  # always: a Winograd runtime's note needs its backend
    add_speedups(records)

    outputs: dict[str, np.ndarray] = {}
    labelled: dict[str, Case] = {}
    for m in (m for m in measured if m.runner is not None):
        labelled.setdefault(m.runner.info.label, m.case)
        if m.output is not None:
            outputs.setdefault(m.runner.info.label, m.output)
    results = BenchResults(
        created_utc=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        command=settings.command,
        machine={**machine_record(), "threads": settings.threads or torch.get_num_threads()},
        model=ModelInfo(
            settings.checkpoint.name, checkpoint_sha256(settings.checkpoint), settings.direction, config.to_dict()
        ),
        inputs=Inputs(
            size=size,
            count=len(names),
            names=names,
            sets=sets,
            source=str(settings.images)
            if settings.images
            else "bundled photos"
            if scored
            else "bundled photos + demo images",
        ),
        settings=RunSettings(
            warmup=settings.warmup,
            iters=settings.iters,
            max_time=settings.max_time,
            rounds=settings.rounds,
            threads=settings.threads,
            batches=list(settings.batches),
        ),
        floor=FloorSummary(flops, gflops_by_key(peaks), {key: peak.kernel for key, peak in peaks.items()}),
        gates={precision: gate.describe() for precision, gate in gates.items()},
        gated_precisions=sorted(settings.gates),
        not_run=not_run,
        records=records,
    )
    return BenchRun(results, images, reference, outputs, labelled)


def write_json(results: BenchResults, path: Path) -> Path:
    """results.json, written atomically (NaN and Infinity as JSON's extensions, as Python reads them)."""
    with atomic_output(path) as handle:
        handle.write((json.dumps(results.to_dict(), indent=2, allow_nan=True) + "\n").encode())
    return path


def read_json(path: Path) -> BenchResults:
    """A results.json of any schema version this ugatit-deploy reads."""
    return BenchResults.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def write_outputs(run: BenchRun, out: Path) -> dict[str, Path]:
    """results.json, results.csv, report.md, latency.png, grid.png (the inputs, the reference and the fastest
    passing mode, ``choose_fastest`` with FAST_PATH_GATE, as the main job chooses) and grid_all_modes.png."""
    from .report import chosen_grid, image_grid, plot_latency, write_csv, write_markdown

    out.mkdir(parents=True, exist_ok=True)
    files = {"json": write_json(run.results, out / "results.json")}
    files["csv"] = write_csv(run.results, out / "results.csv")
    if chart := plot_latency(run.results, out / "latency.png"):
        files["chart"] = chart
    if run.outputs:
        best = choose_fastest(run.results.records, FAST_PATH_GATE)
        chosen = (best.label, run.outputs[best.label]) if best is not None and best.label in run.outputs else None
        caption = _chosen_caption(best) if chosen is not None and best is not None else []
        files["grid"] = chosen_grid(run.inputs, run.reference, out / "grid.png", chosen, caption)
        files["grid_all_modes"] = image_grid(run.inputs, run.reference, run.outputs, out / "grid_all_modes.png")
    files["report"] = out / "report.md"
    write_markdown(run.results, files["report"], chart, files.get("grid"), files.get("grid_all_modes"))
    return files


def _chosen_caption(record: BenchRecord) -> list[str]:
    """What grid.png says under the chosen mode's name: its time per image and its PSNR."""
    from .report.table import fmt_fixed, fmt_ms

    lines = [f"{fmt_ms(record.latency.ms_per_image.p50)} ms/img"] if record.latency else []
    return lines + ([f"PSNR {fmt_fixed(record.parity.psnr_db, 1)} dB"] if record.parity else [])
