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
from typing import Any

from ..errors import UgatitDeployError
from ..fileio import atomic_output
from ..metadata import read_onnx_record, read_sidecar, sidecar_path

PLATFORMS = {"onnx": ("onnxruntime_onnx", "model.onnx"), "tensorrt-plan": ("tensorrt_plan", "model.plan")}


class TritonError(UgatitDeployError):
    """An artifact that cannot be served as asked."""


def _dims(shape: list, batched: bool) -> list[int]:
    dims = [d if isinstance(d, int) else -1 for d in shape]
    return dims[1:] if batched else dims


def _tensor(name: str, shape: list, batched: bool) -> str:
    dims = ", ".join(str(d) for d in _dims(shape, batched))
    return f'  {{\n    name: "{name}"\n    data_type: TYPE_FP32\n    dims: [ {dims} ]\n  }}'


def model_config(record: dict[str, Any], name: str, max_batch: int, preferred: tuple[int, ...],
                 queue_delay_us: int, gpus: int) -> str:  # fmt: skip
    """config.pbtxt text for a record (protobuf text format of Triton's ModelConfig)."""
    platform, filename = PLATFORMS[record["kind"]]
    io = record["io"]
    batched = isinstance(io["input"]["shape"][0], str)
    lines = [f'name: "{name}"', f'platform: "{platform}"', f'default_model_filename: "{filename}"']
    lines.append(f"max_batch_size: {max_batch if batched else 0}")
    lines.append("input [\n" + _tensor(io["input"]["name"], io["input"]["shape"], batched) + "\n]")
    outputs = ",\n".join(_tensor(o["name"], o["shape"], batched) for o in io["outputs"])
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
    record = read_sidecar(artifact) if artifact.suffix in (".plan", ".engine") else read_onnx_record(artifact)
    if record.get("kind") not in PLATFORMS:
        raise TritonError(f"{artifact.name}: Triton serves ONNX files and TensorRT plans, not {record.get('kind')}")
    if max_batch < 1:
        raise TritonError(f"--triton-max-batch must be >= 1, got {max_batch}")
    name = name or re.sub(r"[^A-Za-z0-9_.-]", "_", artifact.stem)
    folder = repo / name
    version = folder / "1"
    version.mkdir(parents=True, exist_ok=True)
    filename = PLATFORMS[record["kind"]][1]
    shutil.copyfile(artifact, version / f".{filename}.tmp")
    (version / f".{filename}.tmp").replace(version / filename)
    if sidecar_path(artifact).exists():
        shutil.copyfile(sidecar_path(artifact), sidecar_path(version / filename))
    with atomic_output(folder / "config.pbtxt") as handle:
        handle.write(model_config(record, name, max_batch, preferred, queue_delay_us, gpus).encode())
    return folder
