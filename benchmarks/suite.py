"""``ugatit-deploy bench``: parity and latency of every backend x precision x batch on the same images.

``run_bench(settings)`` returns the results record (schema below, documented in benchmarks/README.md)
and the images the report needs; ``write_outputs`` turns them into results.json / .csv, report.md,
a latency chart and an image grid. The CLI and the main-job demo both call these two functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..backends import Backend, BackendError, create_backend
from ..backends.tensorrt_runner import tensorrt_unavailable_reason
from ..checkpoint import open_generator
from ..errors import UgatitDeployError, UnavailableError
from ..fileio import atomic_output, file_sha256
from ..imaging import IMAGE_EXTENSIONS, image_to_tensor, read_image, resize
from ..metadata import read_onnx_record
from ..parity import GATES, Gate, image_parity
from ..reference_images import reference_batch
from .floor import matmul_peak_gflops, model_flops, peak_key
from .latency import measure_latency, peak_rss_mb, reset_peak_rss, summarize
from .machine import machine_record

SCHEMA = "ugatit-deploy/bench"
SCHEMA_VERSION = 1
ONNX_BACKENDS = ("onnxruntime-cpu", "onnxruntime-cuda", "onnxruntime-tensorrt", "openvino-cpu")
ALL_BACKENDS = ("torch-cpu", "torch-cuda", *ONNX_BACKENDS, "tensorrt")
CPU_BACKENDS = ("torch-cpu", "onnxruntime-cpu", "openvino-cpu")
EXPORT_PRECISIONS = ("fp32", "fp16", "int8", "int8-cpu")
MAX_IMAGES = 16


class BenchError(UgatitDeployError):
    """A benchmark that cannot run as asked."""


@dataclass
class BenchSettings:
    checkpoint: Path
    direction: str = "a2b"
    onnx: Sequence[Path] = ()
    engines: Sequence[Path] = ()
    backends: Sequence[str] = ALL_BACKENDS
    images: Path | None = None
    batches: Sequence[int] = (1,)
    size: int | None = None  # default: the model's img_size
    warmup: int = 3
    iters: int = 20
    rounds: int = 1  # timing rounds over all backends; each times ``iters`` runs after ``warmup``
    threads: int | None = None
    out: Path = Path("bench")
    gates: dict[str, Gate] = field(default_factory=dict)  # --gate: these precisions decide the exit code
    export_precisions: Sequence[str] = EXPORT_PRECISIONS
    keep_fp: Sequence[str] | int | str = ()  # INT8 layers left in float when bench exports (see export)
    command: str = ""  # the command line that reproduces the run, recorded in the results


@dataclass
class Case:
    """One backend x precision to measure; ``backend`` is None when it could not even be created."""

    name: str
    precision: str
    artifact: Path | None
    backend: Backend | None = None
    problem: tuple[str, str] | None = None  # (status, reason) decided before running


@dataclass
class BenchRun:
    results: dict[str, Any]
    inputs: np.ndarray
    reference: np.ndarray
    outputs: dict[str, np.ndarray]  # label -> images (batch-1 run) for the grid

    def gate_failures(self) -> list[str]:
        """Labels of records whose precision was gated (--gate) and that failed parity or crashed."""
        gated = self.results["gated_precisions"]
        return [
            f"{r['label']} batch {r['batch']}"
            for r in self.results["records"]
            if r["precision"] in gated and r["status"] in ("failed-parity", "failed")
        ]


def load_inputs(folder: Path | None, size: int) -> tuple[np.ndarray, list[str]]:
    """Real images: ``folder`` (sorted, at most 16), else the bundled photos + demo images."""
    if folder is None:
        from ..reference_images import photo_paths

        names = [p.name for p in photo_paths()] + [f"demo_circle_{i}" for i in range(4)]
        return reference_batch(size).numpy(), names
    if not folder.is_dir():
        raise BenchError(f"--images {folder}: not a folder")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS)[:MAX_IMAGES]
    if not files:
        raise BenchError(f"--images {folder}: no images ({', '.join(IMAGE_EXTENSIONS)})")
    tensors = [image_to_tensor(resize(read_image(p), (size, size))) for p in files]
    return torch.stack(tensors).numpy(), [p.name for p in files]


def _export_missing(settings: BenchSettings, log: Callable[[str], None]) -> tuple[list[Path], list[Case]]:
    """Our own ONNX files, one per precision, so one failing precision does not stop the others."""
    from ..export import export_checkpoint

    folder = settings.out / "onnx"
    paths, failures = [], []
    for precision in settings.export_precisions:
        try:
            paths += export_checkpoint(settings.checkpoint, settings.direction, folder, (precision,), log=log,
                                       keep_fp=settings.keep_fp)  # fmt: skip
        except UnavailableError as exc:
            failures.append(Case("onnxruntime-cpu", precision, None, problem=("unavailable", str(exc))))
        except UgatitDeployError as exc:
            failures.append(Case("onnxruntime-cpu", precision, None, problem=("failed", f"export: {exc}")))
    return paths, failures


def _build_missing(onnx_files: Sequence[Path], size: int, settings: BenchSettings,
                   log: Callable[[str], None]) -> list[Path]:  # fmt: skip
    """TensorRT engines of our ONNX files for the benchmarked batch sizes and image size."""
    from ..export.tensorrt_build import BuildOptions, build_engine

    options = BuildOptions(batch=(1, 1, max(settings.batches)), sizes=((size, size),) * 3)
    engines = []
    for path in onnx_files:
        if read_onnx_record(path).get("precision") == "int8-cpu":
            continue  # uint8 zero points: TensorRT only takes symmetric Q/DQ
        engines.append(build_engine(path, settings.out / "engines" / f"{path.stem}.plan", options, log=log).engine)
    return engines


def _make(case_name: str, artifact: Path, **options: Any) -> Case:
    try:
        backend = create_backend(case_name, artifact, **options)
    except UgatitDeployError as exc:
        return Case(case_name, options.get("precision", "?"), artifact, problem=("failed", str(exc)))
    return Case(case_name, backend.info.precision, artifact, backend)


def plan_cases(settings: BenchSettings, size: int, log: Callable[[str], None]) -> list[Case]:
    """Every backend x precision asked for, exporting (and building) what was not given."""
    cases: list[Case] = []
    wanted = list(settings.backends)
    threads = settings.threads
    if "torch-cpu" in wanted:
        cases.append(
            _make("torch-cpu", settings.checkpoint, direction=settings.direction, threads=threads, precision="fp32")
        )
    if "torch-cuda" in wanted:
        cases.append(_make("torch-cuda", settings.checkpoint, direction=settings.direction, precision="fp32"))
        cases.append(_make("torch-cuda", settings.checkpoint, direction=settings.direction,
                           precision="fp16", channels_last=True, cuda_graphs=True))  # fmt: skip
    onnx_files = list(settings.onnx)
    if not onnx_files and any(b in wanted for b in (*ONNX_BACKENDS, "tensorrt")):
        onnx_files, failed = _export_missing(settings, log)
        cases += failed
    for name in (b for b in ONNX_BACKENDS if b in wanted):
        for path in onnx_files:
            case = _make(name, path, **({"threads": threads} if name.endswith("cpu") else {}))
            if name == "onnxruntime-tensorrt" and case.precision == "int8-cpu":
                case.problem = ("unsupported", "uint8 zero points: TensorRT takes symmetric int8 Q/DQ only")
            cases.append(case)
            if name == "openvino-cpu" and case.precision == "fp32":  # the same graph in BF16 (precision hint)
                cases.append(_make(name, path, threads=threads, inference_precision="bf16"))
    if "tensorrt" in wanted:
        engines = list(settings.engines)
        if not engines:
            probe = tensorrt_unavailable_reason()
            if probe is None:
                try:
                    engines = _build_missing(onnx_files, size, settings, log)
                except UgatitDeployError as exc:
                    cases.append(Case("tensorrt", "-", None, problem=("failed", f"build: {exc}")))
            else:
                cases.append(Case("tensorrt", "-", None, problem=("unavailable", probe)))
        cases += [_make("tensorrt", path) for path in engines]
    return cases


def _run_all(backend: Backend, images: np.ndarray, batch: int) -> np.ndarray:
    """All images through the backend in batches of ``batch`` (the last one padded by repetition)."""
    outputs = []
    for start in range(0, len(images), batch):
        chunk = images[start : start + batch]
        if len(chunk) < batch:
            chunk = np.concatenate([chunk, np.repeat(chunk[-1:], batch - len(chunk), axis=0)])
        outputs.append(backend.run(chunk)[: len(images) - start])
    return np.concatenate(outputs)


def _tile(images: np.ndarray, batch: int) -> np.ndarray:
    return np.resize(images, (batch, *images.shape[1:])) if len(images) != batch else images


def _record(case: Case, batch: int, status: str, reason: str = "", **fields: Any) -> dict[str, Any]:
    artifact = case.artifact
    size = artifact.stat().st_size / 1e6 if artifact is not None and artifact.is_file() else None
    options = case.backend.info.options if case.backend else {}
    label = case.backend.info.label if case.backend else f"{case.name} {case.precision}"
    variant = case.backend.info.variant if case.backend else ""
    base = {"backend": case.name, "precision": case.precision, "variant": variant, "options": options, "batch": batch,
            "label": label,
            "artifact": artifact.name if artifact else None, "size_mb": size, "status": status, "reason": reason,
            "parity": None, "gate": None, "latency": None, "memory": None, "floor": None,
            "speedup_vs_torch_eager": None}  # fmt: skip
    return {**base, **fields}


def image_sets(names: Sequence[str], folder: Path | None) -> dict[str, list[int]]:
    """Index ranges [start, stop) of the input sets judged on their own: the bundled photos and the demo
    images by default (a mode must pass on natural photos, not only on the mix); one set for --images."""
    if folder is not None:
        return {"images": [0, len(names)]}
    photos = sum(1 for name in names if not name.startswith("demo_"))
    return {"photos": [0, photos], "demo": [photos, len(names)]}


def _set_parity(reference: np.ndarray, outputs: np.ndarray, sets: dict[str, list[int]]) -> dict[str, dict]:
    by_set = {}
    for name, (start, stop) in sets.items():
        stats = image_parity(reference[start:stop], outputs[start:stop])
        by_set[name] = {key: stats[key] for key in ("psnr_db", "ssim", "max_abs")}
    return by_set


def _measure(case: Case, batch: int, images: np.ndarray, reference: np.ndarray, gates: dict[str, Gate],
             settings: BenchSettings, flops: int, peaks: dict,
             sets: dict[str, list[int]]) -> tuple[dict, np.ndarray | None]:  # fmt: skip
    backend = case.backend
    assert backend is not None
    shape = (batch, *images.shape[1:])
    if reason := backend.accepts(shape):
        return _record(case, batch, "unsupported", reason), None
    outputs = _run_all(backend, images, batch)
    parity = image_parity(reference, outputs)
    parity["psnr_per_image"] = [
        round(image_parity(r, o)["psnr_db"], 2) for r, o in zip(reference, outputs, strict=True)
    ]
    parity["by_set"] = _set_parity(reference, outputs, sets)
    gate = gates.get(case.precision, Gate())
    failures = gate.failures(parity)
    if len(sets) > 1:  # PSNR/SSIM of each set on its own too: the photos even when the demo images pull the mean up
        per_set = Gate(min_psnr_db=gate.min_psnr_db, min_ssim=gate.min_ssim)
        failures += [f for name, stats in parity["by_set"].items() for f in per_set.failures(stats, label=name)]
    reset_peak_rss()
    latency = measure_latency(backend, _tile(images, batch), settings.warmup, settings.iters)
    gpu = backend.device_memory_bytes()
    memory = {"peak_rss_mb": peak_rss_mb(), "gpu_peak_mb": gpu / 2**20 if gpu is not None else None}
    key = peak_key(case.name, case.precision)
    peak = peaks.get(key)
    achieved = flops * latency["images_per_s"] / 1e9
    floor = {"gflops_achieved": achieved, "peak_gflops": peak, "peak_key": key,
             "pct_of_peak": 100 * achieved / peak if peak else None}  # fmt: skip
    status = "failed-parity" if failures else "ok"
    record = _record(case, batch, status, "; ".join(failures), parity=parity,
                     gate={"passed": not failures, "failures": failures, "thresholds": gate.describe()},
                     latency=latency, memory=memory, floor=floor)  # fmt: skip
    return record, outputs


def _time_again(timed: list[tuple[Case, list[dict]]], images: np.ndarray, settings: BenchSettings, flops: int,
                log: Callable[[str], None]) -> None:  # fmt: skip
    """One more timing round of every case that was timed, samples appended to its records. Rounds
    spread each backend's samples over the whole run, so a machine whose speed drifts (shared or
    throttled CPUs) slows every backend alike instead of whichever ran during the slow minute."""
    for case, case_records in timed:
        backend = case.backend
        assert backend is not None
        try:
            backend.load()
            for record in case_records:
                batch = record["batch"]
                more = measure_latency(backend, _tile(images, batch), settings.warmup, settings.iters)
                record["latency"] = summarize(record["latency"]["samples_ms"] + more["samples_ms"], batch)
                floor = record["floor"]
                floor["gflops_achieved"] = flops * record["latency"]["images_per_s"] / 1e9
                if floor["peak_gflops"]:
                    floor["pct_of_peak"] = 100 * floor["gflops_achieved"] / floor["peak_gflops"]
        except (UgatitDeployError, BackendError, RuntimeError, OSError) as exc:
            log(f"  {backend.info.label}: this round failed ({str(exc).splitlines()[0]}); earlier rounds kept")
        finally:
            backend.close()


def _speedups(records: list[dict]) -> None:
    """Speed-up over torch eager FP32 on the same device and batch (no channels_last, no graphs)."""
    for record in records:
        device = "cpu" if record["backend"].endswith("cpu") else "cuda"
        base = next((r for r in records if r["backend"] == f"torch-{device}" and r["precision"] == "fp32"
                     and r["batch"] == record["batch"] and r["latency"]), None)  # fmt: skip
        if base and record["latency"]:
            record["speedup_vs_torch_eager"] = (
                base["latency"]["ms_per_image"]["p50"] / record["latency"]["ms_per_image"]["p50"]
            )


def measure_peaks() -> dict[str, float | None]:
    """Matmul peaks in GFLOP/s: CPU FP32 (current torch threads), CUDA FP32 (no TF32) and FP16."""
    peaks: dict[str, float | None] = {"cpu-fp32": matmul_peak_gflops("cpu")}
    if torch.cuda.is_available():
        peaks["cuda-fp32"] = matmul_peak_gflops("cuda", torch.float32)
        peaks["cuda-fp16"] = matmul_peak_gflops("cuda", torch.float16)
    return peaks


def run_bench(settings: BenchSettings, log: Callable[[str], None] = print) -> BenchRun:
    """Measure every case; never raises for a backend problem (it becomes the record's status)."""
    if any(b < 1 for b in settings.batches):
        raise BenchError(f"--batch values must be >= 1, got {list(settings.batches)}")
    if settings.warmup < 0 or settings.iters < 1 or settings.rounds < 1:
        raise BenchError("--warmup must be >= 0, --iters and --rounds >= 1")
    if settings.threads:
        torch.set_num_threads(settings.threads)
    info, generator = open_generator(settings.checkpoint, settings.direction)
    config = info.config_for(settings.direction)
    size = settings.size or config.img_size
    if size % 4 or size < 8:
        raise BenchError(f"--size {size}: U-GAT-IT needs a multiple of 4, at least 8")
    if not config.light and size != config.img_size:
        raise BenchError(f"--size {size}: a full (non-light) model only runs at its img_size {config.img_size}")
    images, names = load_inputs(settings.images, size)
    sets = image_sets(names, settings.images)
    with torch.inference_mode():
        reference = generator(torch.from_numpy(images))[0].numpy()
    del generator
    settings.out.mkdir(parents=True, exist_ok=True)

    gates = {**GATES, **settings.gates}
    flops = model_flops(config, size)
    log(f"measuring the matmul peak ({torch.get_num_threads()} threads)")
    peaks = measure_peaks()
    cases = plan_cases(settings, size, log)
    records, outputs = [], {}
    timed: list[tuple[Case, list[dict]]] = []  # cases with latency, for further rounds
    for case in cases:
        backend = case.backend
        if case.problem is None and backend is not None and not (status := backend.availability()).ok:
            case.problem = ("unavailable", status.reason)
        if case.problem is not None:
            records += [_record(case, b, *case.problem) for b in settings.batches]
            log(f"  {case.name} {case.precision}: {case.problem[0]}: {case.problem[1]}")
            continue
        try:
            backend.load()
            timed.append((case, []))
            for batch in settings.batches:
                record, out = _measure(case, batch, images, reference, gates, settings, flops, peaks, sets)
                records.append(record)
                if record["latency"]:
                    timed[-1][1].append(record)
                if out is not None and backend.info.label not in outputs:
                    outputs[backend.info.label] = out
                log(_progress_line(record))
        except (UgatitDeployError, BackendError, RuntimeError, OSError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            done = {r["batch"] for r in records if r["label"] == backend.info.label}
            records += [_record(case, b, "failed", reason) for b in settings.batches if b not in done]
            log(f"  {backend.info.label}: failed: {reason}")
        finally:
            backend.close()
    for round_index in range(2, settings.rounds + 1):
        log(f"timing round {round_index} of {settings.rounds}")
        _time_again(timed, images, settings, flops, log)
    if settings.rounds > 1:  # the peak drifts too: the best of the first and the last measurement
        log("measuring the matmul peak again")
        again = measure_peaks()
        peaks = {key: max((v for v in (value, again.get(key)) if v), default=None) for key, value in peaks.items()}
        for record in records:
            if record["floor"]:
                record["floor"]["peak_gflops"] = peak = peaks.get(record["floor"]["peak_key"])
                record["floor"]["pct_of_peak"] = 100 * record["floor"]["gflops_achieved"] / peak if peak else None
    _speedups(records)
    results = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": settings.command,
        "machine": {**machine_record(), "threads": settings.threads or torch.get_num_threads()},
        "model": {
            "checkpoint": settings.checkpoint.name,
            "sha256": file_sha256(settings.checkpoint),
            "direction": settings.direction,
            "config": config.to_dict(),
        },  # fmt: skip
        "inputs": {
            "size": size,
            "count": len(names),
            "names": names,
            "sets": sets,
            "source": str(settings.images) if settings.images else "bundled photos + demo images",
        },  # fmt: skip
        "settings": {
            "warmup": settings.warmup,
            "iters": settings.iters,
            "rounds": settings.rounds,
            "threads": settings.threads,
            "batches": list(settings.batches),
        },  # fmt: skip
        "floor": {"flops_per_image": flops, "peaks_gflops": peaks},
        "gates": {p: g.describe() for p, g in gates.items()},
        "gated_precisions": sorted(settings.gates),
        "records": records,
    }
    return BenchRun(results, images, reference, outputs)


def _progress_line(record: dict) -> str:
    line = f"  {record['label']} batch {record['batch']}: {record['status']}"
    if record["latency"]:
        line += f", {record['latency']['ms_per_image']['p50']:.2f} ms/img"
    if record["parity"]:
        line += f", PSNR {record['parity']['psnr_db']:.1f} dB"
    if record["reason"]:
        line += f" ({record['reason']})"
    return line


def write_json(results: dict, path: Path) -> Path:
    import json

    with atomic_output(path) as handle:
        handle.write((json.dumps(results, indent=2, allow_nan=True) + "\n").encode())
    return path


def write_outputs(run: BenchRun, out: Path) -> dict[str, Path]:
    """results.json, results.csv, report.md, latency.png and grid.png in ``out``."""
    from .report import image_grid, plot_latency, write_csv, write_markdown

    out.mkdir(parents=True, exist_ok=True)
    files = {"json": write_json(run.results, out / "results.json")}
    files["csv"] = write_csv(run.results, out / "results.csv")
    chart = plot_latency(run.results, out / "latency.png")
    grid = image_grid(run.inputs, run.reference, run.outputs, out / "grid.png") if run.outputs else None
    if chart:
        files["chart"] = chart
    if grid:
        files["grid"] = grid
    files["report"] = out / "report.md"
    write_markdown(run.results, files["report"], chart, grid)
    return files
