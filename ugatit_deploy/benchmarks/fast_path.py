"""The CPU fast path: the OpenVINO mode of a checkpoint that measures fastest here and whose images pass
``FAST_PATH_GATE``. It is the bench on a narrowed plan: the backend openvino-cpu, the graph forms that are
CPU candidates (``GraphForm.cpu_candidate``) in each latency mode the form takes (bf16 where the CPU has it),
batch 1, no matmul peaks; then ``choose_fastest``, as the main job and ``bench`` choose.

A mode this CPU class cannot run (BF16 without AVX512_BF16, or under ``ONEDNN_MAX_CPU_ISA=AVX2``) is skipped
with the reason. Exports and the choice are cached per checkpoint, CPU class and thread count, so only the
first call pays for them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..checkpoint import checkpoint_sha256
from ..core.cache import cache_key
from ..core.cpu_caps import cpu_class
from ..core.errors import UgatitDeployError
from ..core.fileio import atomic_output, cache_root
from ..core.gates import FAST_PATH_GATE
from ..forms import forms_where, lossy_labels
from ..forms.transforms.int8_options import QUICK_CALIB_IMAGES, Int8Options, KeepFp
from .choose import choose_fastest, why_not_chosen
from .prepare import reusable
from .settings import BenchSettings

# The fewest float layers that pass the gate, calibrated on the main job's few images (the first call's time).
FAST_PATH_INT8 = Int8Options(calib_images=QUICK_CALIB_IMAGES, keep_fp=KeepFp(auto=True))
BACKEND = "openvino-cpu"


@dataclass(frozen=True)
class FastPath:
    """The ONNX file and backend options of the chosen mode, and why the other modes were not taken."""

    onnx: Path
    options: dict[str, Any]
    mode: str  # the chosen record's precision and variant, e.g. "int8-cpu keep-fp 2 +bf16"
    skipped: tuple[str, ...] = ()
    ms_per_image: float | None = None  # measured here at batch 1 (median)


def fast_path_settings(checkpoint: Path, direction: str, threads: int | None, folder: Path) -> BenchSettings:
    """The bench the fast path runs: one backend, its candidate forms, batch 1, lossy modes held to the
    fast-path gate, interleaved timing rounds, no peaks; its exports come from the export cache."""
    return BenchSettings(checkpoint=checkpoint, direction=direction, backends=(BACKEND,), batches=(1,), warmup=1,
                         iters=3, rounds=2, threads=threads, out=folder,
                         gates={name: FAST_PATH_GATE for name in lossy_labels()},
                         export_precisions=forms_where(cpu_candidate=True), int8=FAST_PATH_INT8,
                         peaks=False)  # fmt: skip


def _load_choice(path: Path, checkpoint: Path) -> FastPath | None:
    """A saved choice whose file is still an intact export of this checkpoint, else None."""
    try:
        saved = json.loads(path.read_text())
        choice = FastPath(Path(saved["onnx"]), dict(saved["options"]), str(saved["mode"]), tuple(saved["skipped"]),
                          saved["ms_per_image"])  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return choice if reusable(choice.onnx, checkpoint, FAST_PATH_INT8) else None


def cpu_fast_path(checkpoint: Path, direction: str = "a2b", threads: int | None = None,
                  log: Callable[[str], None] = print) -> FastPath:  # fmt: skip
    """Export (or reuse) and choose the fastest passing OpenVINO CPU mode of ``checkpoint`` on this CPU class."""
    from .suite import run_bench

    folder = cache_root() / "fast-path" / f"{checkpoint_sha256(checkpoint)[:16]}-{direction}"
    # Per CPU class and thread count, and per release and runtimes (cache_key): another version measures again.
    versions = cache_key(candidates=forms_where(cpu_candidate=True))[:8]
    choice_file = folder / f"choice-{cpu_class()}-threads{threads or 0}-{versions}.json"
    if (saved := _load_choice(choice_file, checkpoint)) is not None:
        log(f"fast path: reusing the choice measured earlier on this CPU class ({choice_file})")
        return saved
    log("fast path: timing the OpenVINO CPU modes that pass on this CPU")
    run = run_bench(fast_path_settings(checkpoint, direction, threads, folder), log=log)
    records = run.results.records
    best = choose_fastest(records, FAST_PATH_GATE)
    skipped = tuple(why_not_chosen(records, best, FAST_PATH_GATE))
    if best is None or best.latency is None:
        raise UgatitDeployError(f"no OpenVINO CPU mode of {checkpoint.name} runs here: {'; '.join(skipped)}")
    case = run.cases[best.label]
    assert case.artifact is not None
    choice = FastPath(case.artifact, dict(case.options), best.mode, skipped, best.latency.ms_per_image.p50)
    record = {**asdict(choice), "onnx": str(choice.onnx), "skipped": list(choice.skipped)}
    with atomic_output(choice_file) as handle:
        handle.write(json.dumps(record, indent=2).encode())
    return choice
