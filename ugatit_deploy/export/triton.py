"""A Triton Inference Server model repository for one of our ONNX files or TensorRT plans.

    <repo>/<name>/config.pbtxt          platform, I/O, max_batch_size, dynamic batching, instance group
    <repo>/<name>/1/model.onnx|plan     the artifact (Triton's default file names)
    <repo>/<name>/1/model.*.json        its ugatit-deploy sidecar (Triton ignores it; tools read it)

I/O comes from the artifact's metadata: FP32 ``input`` [3, H, W] and ``output`` (+ ``cam_logit``,
``heatmap``), with -1 for the dynamic H/W of light models; the batch axis is Triton's when the graph
has a dynamic batch (``max_batch_size`` > 0), else part of the dims.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ..core.errors import UgatitDeployError
from ..core.fileio import atomic_output
from ..core.metadata import ArtifactRecord, TensorSpec, sidecar_path
from ..formats import ArtifactFormat, format_of, read_record


class TritonError(UgatitDeployError):
    """An artifact that cannot be served as asked."""


def _tensor(tensor: TensorSpec, batched: bool) -> str:
    dims = [d if isinstance(d, int) else -1 for d in tensor.shape][1 if batched else 0 :]
    text = ", ".join(str(d) for d in dims)
    return f'  {{\n    name: "{tensor.name}"\n    data_type: TYPE_FP32\n    dims: [ {text} ]\n  }}'


def model_config(record: ArtifactRecord, fmt: ArtifactFormat, name: str, max_batch: int, preferred: tuple[int, ...],
                 queue_delay_us: int, gpus: int) -> str:  # fmt: skip
    """config.pbtxt text for a record of format ``fmt`` (protobuf text format of Triton's ModelConfig)."""
    if fmt.triton is None:
        raise TritonError(f"Triton has no platform for {fmt.describes}")
    platform, filename = fmt.triton
    io = record.io
    batched = io.input.dynamic_batch
    lines = [f'name: "{name}"', f'platform: "{platform}"', f'default_model_filename: "{filename}"']
    lines.append(f"max_batch_size: {max_batch if batched else 0}")
    lines.append("input [\n" + _tensor(io.input, batched) + "\n]")
    outputs = ",\n".join(_tensor(o, batched) for o in io.outputs)
    lines.append("output [\n" + outputs + "\n]")
    if batched:
        sizes = ", ".join(str(s) for s in preferred if s <= max_batch)
        lines.append(f"dynamic_batching {{\n  preferred_batch_size: [ {sizes} ]\n"
                     f"  max_queue_delay_microseconds: {queue_delay_us}\n}}")  # fmt: skip
    kind = "KIND_GPU" if gpus else "KIND_CPU"
    lines.append(f"instance_group [\n  {{\n    count: {max(gpus, 1)}\n    kind: {kind}\n  }}\n]")
    return "\n".join(lines) + "\n"


def write_triton_repo(artifact: Path, repo: Path, name: str | None = None, max_batch: int = 8,
                      preferred: tuple[int, ...] = (4, 8), queue_delay_us: int = 100,
                      gpus: int = 1) -> Path:  # fmt: skip
    """Add ``artifact`` to the model repository ``repo``; return the model's folder."""
    fmt = format_of(artifact)
    if fmt is None or fmt.triton is None:
        what = fmt.describes if fmt is not None else "a checkpoint"
        raise TritonError(f"{artifact.name}: Triton serves ONNX files and TensorRT plans, not {what}")
    record = read_record(artifact, fmt)
    if max_batch < 1:
        raise TritonError(f"--triton-max-batch must be >= 1, got {max_batch}")
    name = name or re.sub(r"[^A-Za-z0-9_.-]", "_", artifact.stem)
    folder = repo / name
    version = folder / "1"
    version.mkdir(parents=True, exist_ok=True)
    filename = fmt.triton[1]
    shutil.copyfile(artifact, version / f".{filename}.tmp")
    (version / f".{filename}.tmp").replace(version / filename)
    if sidecar_path(artifact).exists():
        shutil.copyfile(sidecar_path(artifact), sidecar_path(version / filename))
    with atomic_output(folder / "config.pbtxt") as handle:
        handle.write(model_config(record, fmt, name, max_batch, preferred, queue_delay_us, gpus).encode())
    return folder
