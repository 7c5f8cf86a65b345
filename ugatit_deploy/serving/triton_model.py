"""The model Triton's Python backend runs for ``ugatit-deploy serve``: one of the project's runners
(``backends.create_backend``) behind Triton's dynamic batcher.

Each ``execute`` gets the requests Triton has batched. A request that fails ``checks.request_problem`` gets an
error response naming the problem; the others are grouped by image size, each group runs as one batch, and
every request gets back exactly its own rows. Imported only inside Triton's backend stub, where
``triton_python_backend_utils`` exists.

Tensors cross the stub through DLPack, never ``as_numpy()`` / ``Tensor(name, array)``: the stub's pybind11
reads NumPy 2 arrays with NumPy 1's struct layout (measured: an input [1, 2, 3] arrived as [1, 1, 1], and
outputs came back empty), which is why nvidia-pytriton pins numpy < 2.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import numpy as np

from ..backends import Backend, create_backend
from ..core.onnx_contract import INPUT_NAME, OUTPUT_NAMES
from .checks import Limits, request_problem
from .repository import ServedModel


def one_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def open_runner(served: ServedModel) -> Backend:
    """The served model's runner, loaded (raises with the reason, one line, when it cannot run here)."""
    options: dict[str, Any] = {"threads": served.threads} if served.threads else {}
    if served.backend.startswith("torch"):
        options["direction"] = served.direction
    runner = create_backend(served.backend, served.artifact, **options)
    runner.load()
    return runner


class TritonPythonModel:
    """Triton's Python-backend model interface: initialize, execute, finalize."""

    def initialize(self, args: dict[str, Any]) -> None:
        import triton_python_backend_utils as pb_utils  # only inside Triton's stub

        self.pb = pb_utils
        served = ServedModel.from_config(json.loads(args["model_config"]))
        self.runner = open_runner(served)
        self.limits = Limits(served.light, served.img_size, served.max_size)

    def execute(self, requests: list[Any]) -> list[Any]:
        pb = self.pb
        responses: list[Any] = [None] * len(requests)
        inputs: dict[int, np.ndarray] = {}
        groups: dict[tuple[int, int], list[int]] = defaultdict(list)
        for index, request in enumerate(requests):
            images = np.from_dlpack(pb.get_input_tensor_by_name(request, INPUT_NAME))
            problem = request_problem(images, self.limits)
            if problem is not None:
                responses[index] = pb.InferenceResponse(error=pb.TritonError(problem))
                continue
            inputs[index] = np.array(images)  # a copy: the request's memory is the stub's
            groups[images.shape[2:]].append(index)
        for members in groups.values():
            try:
                outputs = self.runner.run(np.concatenate([inputs[i] for i in members]))
            except Exception as exc:  # noqa: BLE001 - any runner failure becomes these requests' error
                for i in members:
                    responses[i] = pb.InferenceResponse(error=pb.TritonError(f"inference failed: {one_line(exc)}"))
                continue
            start = 0
            for i in members:
                rows = outputs[start : start + len(inputs[i])]
                start += len(inputs[i])
                tensor = pb.Tensor.from_dlpack(OUTPUT_NAMES[0], np.ascontiguousarray(rows, dtype=np.float32))
                responses[i] = pb.InferenceResponse(output_tensors=[tensor])
        return responses

    def finalize(self) -> None:
        self.runner.close()
