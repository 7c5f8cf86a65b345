"""The CPU fast path: the quickest CPU mode of a checkpoint whose images pass ``FAST_PATH_GATE``.

Order of preference (fastest first, as measured in docs/benchmarks.md): the x86 INT8 graph
(``int8-cpu``, with the fewest sensitive layers in float that pass the gate), then BF16 where the CPU
has it natively, then FP32. Exports are cached per checkpoint, so only the first call pays for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..checkpoint import checkpoint_sha256
from ..core.errors import UgatitDeployError
from ..core.fileio import cache_root, file_sha256
from ..core.metadata import MetadataError
from ..export.int8_options import Int8Options, KeepFp
from ..formats import read_record
from ..formats.onnx import ONNX


@dataclass(frozen=True)
class FastPath:
    """The ONNX file and backend options of the chosen mode, and why the faster ones were not taken."""

    onnx: Path
    options: dict[str, Any]
    mode: str  # "int8-cpu" | "bf16" | "fp32"
    skipped: tuple[str, ...] = ()


def _exported(checkpoint: Path, direction: str, precision: str, folder: Path, log: Callable[[str], None],
              int8: Int8Options = Int8Options()) -> Path:  # noqa: B008 - frozen dataclass  # fmt: skip
    from ..export import export_checkpoint

    path = ONNX.artifact_path(folder, checkpoint, direction, precision)
    if _cached(path, checkpoint):
        return path
    (path,) = export_checkpoint(checkpoint, direction, folder, (precision,), int8=int8, log=log)
    return path


def _cached(path: Path, checkpoint: Path) -> bool:
    """Whether ``path`` is an intact export of this very checkpoint (its record says so)."""
    try:
        record = read_record(path, ONNX)
    except MetadataError:
        return False
    return record.source.sha256 == checkpoint_sha256(checkpoint) and record.sha256 == file_sha256(path)


def _bf16_passes(onnx_file: Path, checkpoint: Path, direction: str, threads: int | None) -> str | None:
    """None when OpenVINO BF16 runs here and its images pass the gate, else why not."""
    import torch

    from ..backends import create_backend
    from ..checkpoint import open_generator
    from ..core.gates import FAST_PATH_GATE
    from ..core.parity import image_parity
    from ..core.reference_images import reference_batch

    runner = create_backend("openvino-cpu", onnx_file, threads=threads, inference_precision="bf16")
    if not (status := runner.availability()).ok:
        return status.reason
    info, generator = open_generator(checkpoint, direction)
    images = reference_batch(info.config_for(direction).img_size)
    with torch.inference_mode():
        reference = generator(images)[0].numpy()
    with runner:
        failures = FAST_PATH_GATE.failures(image_parity(reference, runner.run(images.numpy())))
    return "; ".join(failures) or None


def cpu_fast_path(checkpoint: Path, direction: str = "a2b", threads: int | None = None,
                  log: Callable[[str], None] = print) -> FastPath:  # fmt: skip
    """Export (or reuse) and choose the fastest passing CPU mode of ``checkpoint`` for OpenVINO."""
    folder = cache_root() / "fast-path" / f"{checkpoint_sha256(checkpoint)[:16]}-{direction}"
    skipped = []
    try:
        path = _exported(checkpoint, direction, "int8-cpu", folder, log, Int8Options(keep_fp=KeepFp(auto=True)))
        return FastPath(path, {"threads": threads}, "int8-cpu")
    except UgatitDeployError as exc:
        skipped.append(f"int8-cpu: {exc}")
    fp32 = _exported(checkpoint, direction, "fp32", folder, log)
    reason = _bf16_passes(fp32, checkpoint, direction, threads)
    if reason is None:
        return FastPath(fp32, {"threads": threads, "inference_precision": "bf16"}, "bf16", tuple(skipped))
    skipped.append(f"bf16: {reason}")
    return FastPath(fp32, {"threads": threads}, "fp32", tuple(skipped))
