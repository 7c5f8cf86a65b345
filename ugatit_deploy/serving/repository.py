"""The model repository ``ugatit-deploy serve`` hands to Triton: one model on Triton's Python backend that
runs any of the project's runners, and with ``serve --faces`` a second one that runs the face pipeline.

    <repo>/<name>/config.pbtxt         I/O (the exported ONNX's names, dims and dtype), max_batch_size, dynamic
                                       batching, instance group, and the ServedModel as a JSON parameter
    <repo>/<name>/1/model.py           imports ugatit_deploy.serving.triton_model.TritonPythonModel
    <repo>/<name>_faces/config.pbtxt   encoded image file in, PNG file and faces JSON line out (UINT8 bytes,
                                       no batching), the same ServedModel and the faces mode as parameters
    <repo>/<name>_faces/1/model.py     imports ugatit_deploy.serving.triton_faces_model.TritonPythonModel
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..core.fileio import atomic_output
from ..core.onnx_contract import INPUT_NAME, OUTPUT_NAMES
from ..export.onnx_graph import dim_names
from .triton_runtime import site_folders

PARAMETER = "ugatit_served_model"
FACES_PARAMETER = "ugatit_faces_mode"
SERVED_FACE_MODES = ("paste", "auto")  # inference.faces.FACE_MODES but crops: the server gives one image per photo
FACES_INPUTS = ("image", "name")  # the encoded image file; the optional name the record gives the image
FACES_OUTPUTS = ("image", "faces")  # the PNG file; the record's JSON line
MODEL_PY = '''"""Triton Python-backend entry point, written by ugatit-deploy serve."""

import site
import sys

# The serving environment first: the backend stub ignores PYTHONPATH and puts its base interpreter's
# site-packages (other protobuf, onnx, ... versions) on sys.path.
base = list(sys.path)
for folder in {folders!r}:
    site.addsitedir(folder)
sys.path[:] = [path for path in sys.path if path not in base] + base

from ugatit_deploy.serving.{module} import TritonPythonModel  # noqa: E402, F401
'''


@dataclass(frozen=True)
class ServedModel:
    """One served model: the artifact, the runner that runs it, and how Triton batches it."""

    artifact: str  # checkpoint, ONNX, .mnn or .ncnn.param (absolute path)
    backend: str  # a registry name, e.g. "onnxruntime-cpu"
    light: bool
    img_size: int
    resize: str  # imaging.RESIZE_METHODS: how clients resize to img_size
    name: str = "ugatit"
    direction: str = "a2b"  # checkpoints hold both generators
    max_batch: int = 8
    queue_delay_us: int = 2000
    instances: int = 1
    threads: int | None = None
    max_size: int = 1024

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ServedModel:
        return cls(**json.loads(text))

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ServedModel:
        """From Triton's model config as JSON (the Python backend's ``args["model_config"]``, or a client's
        ``get_model_config(as_json=True)``)."""
        return cls.from_json(config["parameters"][PARAMETER]["string_value"])


def faces_model_name(name: str) -> str:
    """The faces model's name beside the served model ``name``."""
    return f"{name}_faces"


def _tensor(name: str, dims: list, dtype: str = "TYPE_FP32", optional: bool = False) -> str:
    shape = ", ".join(str(d if isinstance(d, int) else -1) for d in dims[1:])  # the batch axis is Triton's
    flag = "\n    optional: true" if optional else ""
    return f'  {{\n    name: "{name}"\n    data_type: {dtype}\n    dims: [ {shape} ]{flag}\n  }}'


def _common(served: ServedModel) -> list[str]:
    """The instance group and the ServedModel parameter, as both models write them."""
    parameter = json.dumps(served.to_json())
    return [
        f"instance_group [\n  {{\n    count: {served.instances}\n    kind: KIND_CPU\n  }}\n]",
        f'parameters {{\n  key: "{PARAMETER}"\n  value: {{ string_value: {parameter} }}\n}}',
    ]


def model_config(served: ServedModel) -> str:
    """config.pbtxt text (protobuf text format of Triton's ModelConfig)."""
    dims = dim_names(served.light, True, served.img_size)
    return "\n".join([
        f'name: "{served.name}"',
        'backend: "python"',
        f"max_batch_size: {served.max_batch}",
        "input [\n" + _tensor(INPUT_NAME, dims[INPUT_NAME]) + "\n]",
        "output [\n" + _tensor(OUTPUT_NAMES[0], dims[OUTPUT_NAMES[0]]) + "\n]",
        f"dynamic_batching {{\n  max_queue_delay_microseconds: {served.queue_delay_us}\n}}",
        *_common(served),
    ]) + "\n"  # fmt: skip


def faces_model_config(served: ServedModel, mode: str) -> str:
    """config.pbtxt text of the faces model: one photo per request (max_batch_size 0), its bytes in and out."""
    if mode not in SERVED_FACE_MODES:
        raise ValueError(f"the served faces mode must be one of {', '.join(SERVED_FACE_MODES)}, got {mode!r}")
    image, name = FACES_INPUTS
    inputs = [_tensor(image, [None, -1], "TYPE_UINT8"), _tensor(name, [None, -1], "TYPE_UINT8", optional=True)]
    return "\n".join([
        f'name: "{faces_model_name(served.name)}"',
        'backend: "python"',
        "max_batch_size: 0",
        "input [\n" + ",\n".join(inputs) + "\n]",
        "output [\n" + ",\n".join(_tensor(o, [None, -1], "TYPE_UINT8") for o in FACES_OUTPUTS) + "\n]",
        *_common(served),
        f'parameters {{\n  key: "{FACES_PARAMETER}"\n  value: {{ string_value: "{mode}" }}\n}}',
    ]) + "\n"  # fmt: skip


def faces_mode(config: dict[str, Any]) -> str:
    """The faces mode of a faces model's config as JSON (the Python backend's ``args["model_config"]``)."""
    return config["parameters"][FACES_PARAMETER]["string_value"]


def _write_model(folder: Path, module: str, config: str) -> None:
    (folder / "1").mkdir(parents=True, exist_ok=True)
    with atomic_output(folder / "1" / "model.py") as handle:
        handle.write(MODEL_PY.format(folders=site_folders(), module=module).encode())
    with atomic_output(folder / "config.pbtxt") as handle:
        handle.write(config.encode())


def write_repository(repo: Path, served: ServedModel, faces: str | None = None) -> Path:
    """Write the served model's folder into ``repo`` (and, with a faces mode, the faces model's); return the
    served model's folder."""
    folder = repo / served.name
    _write_model(folder, "triton_model", model_config(served))
    if faces is not None:
        _write_model(repo / faces_model_name(served.name), "triton_faces_model", faces_model_config(served, faces))
    return folder
