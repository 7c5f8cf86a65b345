"""The CPU fast path: the OpenVINO mode of a checkpoint that measures fastest here and whose images pass
``FAST_PATH_GATE``.

Candidates: the x86 INT8 graph (``int8-cpu``, with the fewest sensitive layers in float that pass the gate)
with its float layers in BF16, the same graph in FP32, the FP32 graph in BF16, FP32, FP32 with the 3x3
convolutions in Winograd graph form (``fp32-winograd``: fewer multiply-adds, same images), and FP32-grade
convolutions as three INT8 products each (``fp32-int8x3``: fast where INT8 is, AMX). A mode this CPU class
cannot run (BF16 without AVX512_BF16, or under ``ONEDNN_MAX_CPU_ISA=AVX2``) is skipped with the reason. Each
candidate that runs is checked against PyTorch FP32 on the reference images and timed at batch 1 in
interleaved rounds; the fastest that passes is taken. Exports and the choice are cached per checkpoint, CPU
class and thread count, so only the first call pays for them.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..checkpoint import checkpoint_sha256
from ..core.cpu_caps import bf16_unavailable_reason, onednn_cap, read_cpu_flags
from ..core.errors import UgatitDeployError
from ..core.fileio import atomic_output, cache_root, file_sha256
from ..core.metadata import MetadataError
from ..core.precisions import INT8_PRECISIONS
from ..export.int8_options import Int8Options, KeepFp
from ..formats import read_record
from ..formats.onnx import ONNX

FAST_PATH_INT8 = Int8Options(keep_fp=KeepFp(auto=True))  # the fewest float layers that pass the gate
TIMING_ROUNDS = 5  # timed batch-1 runs per candidate, interleaved (after one untimed warm-up run each)


@dataclass(frozen=True)
class Candidate:
    """One OpenVINO CPU mode: the ONNX precision it runs and the inference precision hint."""

    mode: str
    precision: str  # the file: "int8-cpu", "fp32", "fp32-winograd" or "fp32-int8x3"
    bf16: bool  # OpenVINO's inference precision hint bf16 (float layers / the whole graph in BF16)


CANDIDATES = (
    Candidate("int8-cpu+bf16", "int8-cpu", True),
    Candidate("int8-cpu", "int8-cpu", False),
    Candidate("bf16", "fp32", True),
    Candidate("fp32", "fp32", False),
    Candidate("fp32-winograd", "fp32-winograd", False),
    Candidate("fp32-int8x3", "fp32-int8x3", False),
)
OPTIONAL_FILES = ("fp32-winograd", "fp32-int8x3")  # a checkpoint they do not fit is timed without them


@dataclass(frozen=True)
class FastPath:
    """The ONNX file and backend options of the chosen mode, and why the other modes were not taken."""

    onnx: Path
    options: dict[str, Any]
    mode: str  # a Candidate.mode
    skipped: tuple[str, ...] = ()
    ms_per_image: float | None = None  # measured here at batch 1 (median)


def cpu_class() -> str:
    """A short key for what oneDNN may use here: the CPU's flags and the ONEDNN_MAX_CPU_ISA cap."""
    flags = hashlib.sha256(" ".join(sorted(read_cpu_flags())).encode()).hexdigest()[:8]
    return f"{flags}-{(onednn_cap() or 'native').lower()}"


def _exported(checkpoint: Path, direction: str, precision: str, folder: Path, log: Callable[[str], None],
              int8: Int8Options = Int8Options()) -> Path:  # noqa: B008 - frozen dataclass  # fmt: skip
    from ..export import export_checkpoint

    path = ONNX.artifact_path(folder, checkpoint, direction, precision)
    if _cached(path, checkpoint, _recipe(precision, int8)):
        return path
    (path,) = export_checkpoint(checkpoint, direction, folder, (precision,), int8=int8, log=log)
    return path


def _recipe(precision: str, int8: Int8Options = FAST_PATH_INT8) -> str:
    """What an INT8 file of the fast path must have been quantized with (``QuantRecipe.describe``), else ""."""
    return int8.recipe.for_variant(precision).describe() if precision in INT8_PRECISIONS else ""


def _cached(path: Path, checkpoint: Path, recipe: str = "") -> bool:
    """Whether ``path`` is an intact export of this very checkpoint (its record says so) and, for an INT8
    file, of this ``recipe`` (``QuantRecipe.describe``: a release that changes the recipe exports again)."""
    try:
        record = read_record(path, ONNX)
    except MetadataError:
        return False
    same_recipe = not recipe or (record.quantization is not None and record.quantization.calibration.endswith(recipe))
    return record.source.sha256 == checkpoint_sha256(checkpoint) and record.sha256 == file_sha256(path) and same_recipe


def _reference(checkpoint: Path, direction: str) -> tuple[np.ndarray, np.ndarray]:
    """The reference images and PyTorch FP32's translations of them."""
    import torch

    from ..checkpoint import open_generator
    from ..core.reference_images import reference_batch

    info, generator = open_generator(checkpoint, direction)
    images = reference_batch(info.config_for(direction).img_size)
    with torch.inference_mode():
        return images.numpy(), generator(images)[0].numpy()


def _runners(files: dict[str, Path], threads: int | None, skipped: list[str]) -> dict[str, Any]:
    """A loaded runner per candidate that can run here (the others go to ``skipped`` with the reason)."""
    from ..backends import BackendError, create_backend

    runners = {}
    for candidate in CANDIDATES:
        if candidate.precision not in files:
            continue
        if candidate.bf16 and (reason := bf16_unavailable_reason()):
            skipped.append(f"{candidate.mode}: {reason}")
            continue
        hint = {"inference_precision": "bf16"} if candidate.bf16 else {}
        try:
            runner = create_backend("openvino-cpu", files[candidate.precision], threads=threads, **hint)
            if not (status := runner.availability()).ok:
                skipped.append(f"{candidate.mode}: {status.reason}")
                continue
            runner.load()
        except (BackendError, UgatitDeployError, RuntimeError) as exc:
            skipped.append(f"{candidate.mode}: {str(exc).splitlines()[0]}")
            continue
        runners[candidate.mode] = runner
    return runners


def _passing(runners: dict[str, Any], images: np.ndarray, reference: np.ndarray, skipped: list[str]) -> list[str]:
    """The candidates whose images pass ``FAST_PATH_GATE`` against PyTorch FP32."""
    from ..core.gates import FAST_PATH_GATE
    from ..core.parity import image_parity

    passing = []
    for mode, runner in runners.items():
        failures = FAST_PATH_GATE.failures(image_parity(reference, runner.run(images)))
        if failures:
            skipped.append(f"{mode}: {'; '.join(failures)}")
        else:
            passing.append(mode)
    return passing


def time_modes(runners: dict[str, Any], image: np.ndarray, rounds: int = TIMING_ROUNDS) -> dict[str, float]:
    """Median ms of one batch-1 run per runner, measured in interleaved rounds (after a warm-up run each)."""
    samples: dict[str, list[float]] = {mode: [] for mode in runners}
    for runner in runners.values():
        runner.run(image)
    for _ in range(rounds):
        for mode, runner in runners.items():
            start = time.perf_counter()
            runner.run(image)
            samples[mode].append((time.perf_counter() - start) * 1000)
    return {mode: float(np.median(values)) for mode, values in samples.items()}


def _choose(files: dict[str, Path], checkpoint: Path, direction: str, threads: int | None,
            skipped: list[str]) -> FastPath:  # fmt: skip
    images, reference = _reference(checkpoint, direction)
    runners = _runners(files, threads, skipped)
    try:
        passing = _passing(runners, images, reference, skipped)
        times = time_modes({mode: runners[mode] for mode in passing}, images[:1]) if passing else {}
    finally:
        for runner in runners.values():
            runner.close()
    if not times:
        raise UgatitDeployError(f"no OpenVINO CPU mode of {checkpoint.name} runs here: {'; '.join(skipped)}")
    mode = min(times, key=times.__getitem__)
    candidate = next(c for c in CANDIDATES if c.mode == mode)
    skipped += [f"{other}: {times[other]:.1f} ms, slower than {mode} ({times[mode]:.1f} ms)"
                for other in times if other != mode]  # fmt: skip
    options: dict[str, Any] = {"threads": threads, **({"inference_precision": "bf16"} if candidate.bf16 else {})}
    return FastPath(files[candidate.precision], options, mode, tuple(skipped), times[mode])


def _load_choice(path: Path, checkpoint: Path) -> FastPath | None:
    try:
        saved = json.loads(path.read_text())
        choice = FastPath(Path(saved["onnx"]), saved["options"], saved["mode"], tuple(saved["skipped"]),
                          saved["ms_per_image"])  # fmt: skip
        precision = next(c.precision for c in CANDIDATES if c.mode == choice.mode)
    except (OSError, ValueError, KeyError, TypeError, StopIteration):
        return None
    return choice if _cached(choice.onnx, checkpoint, _recipe(precision)) else None


def cpu_fast_path(checkpoint: Path, direction: str = "a2b", threads: int | None = None,
                  log: Callable[[str], None] = print) -> FastPath:  # fmt: skip
    """Export (or reuse) and choose the fastest passing OpenVINO CPU mode of ``checkpoint`` on this CPU class."""
    folder = cache_root() / "fast-path" / f"{checkpoint_sha256(checkpoint)[:16]}-{direction}"
    choice_file = folder / f"choice-{cpu_class()}-threads{threads or 0}.json"
    if (saved := _load_choice(choice_file, checkpoint)) is not None:
        return saved
    skipped: list[str] = []
    files: dict[str, Path] = {}
    try:
        files["int8-cpu"] = _exported(checkpoint, direction, "int8-cpu", folder, log, FAST_PATH_INT8)
    except UgatitDeployError as exc:
        skipped += [f"{c.mode}: {exc}" for c in CANDIDATES if c.precision == "int8-cpu"]
    files["fp32"] = _exported(checkpoint, direction, "fp32", folder, log)
    for precision in OPTIONAL_FILES:
        try:
            files[precision] = _exported(checkpoint, direction, precision, folder, log)
        except UgatitDeployError as exc:  # e.g. a size the Winograd tiles do not divide
            skipped.append(f"{precision}: {exc}")
    log("fast path: timing the OpenVINO CPU modes that pass on this CPU")
    choice = _choose(files, checkpoint, direction, threads, skipped)
    record = {**asdict(choice), "onnx": str(choice.onnx), "skipped": list(choice.skipped)}
    with atomic_output(choice_file) as handle:
        handle.write(json.dumps(record, indent=2).encode())
    return choice
