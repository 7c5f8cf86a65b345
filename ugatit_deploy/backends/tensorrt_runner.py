"""TensorRT runner for plan files (``ugatit-deploy build`` or ``export --format tensorrt``), TensorRT 10.x
and 11.x: the plan runtime of ``formats.tensorrt_runtime`` (torch CUDA buffers, ``execute_async_v3``)
behind the backend interface. ``import tensorrt`` happens in ``load``/``availability`` only.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..core.limits import Limits
from ..formats.tensorrt_plan import TENSORRT_PLAN
from ..formats.tensorrt_runtime import PlanEngine, PlanError, import_tensorrt, tensorrt_unavailable_reason
from .base import (
    Availability,
    Backend,
    BackendError,
    BackendInfo,
    artifact_record,
    check_file,
    check_hashes,
    check_input_dims,  # fmt: skip
)


class TensorRTBackend(Backend):
    """One deserialized engine and execution context; output buffers are allocated per input shape."""

    def __init__(self, plan: str | os.PathLike[str], device_id: int = 0) -> None:
        self.path = check_file(plan, "TensorRT plan")
        self.record = artifact_record(self.path, TENSORRT_PLAN)
        self.device_id = device_id
        self.info = BackendInfo("tensorrt", self.record.precision, self.path)
        self.engine: PlanEngine | None = None

    def availability(self) -> Availability:
        if reason := tensorrt_unavailable_reason():
            return Availability.no(reason)
        import torch

        trt = import_tensorrt()
        built = self.record.tensorrt
        major, minor = torch.cuda.get_device_capability(self.device_id)
        here = f"{major}.{minor}"
        if built is None:
            return Availability.no(f"{self.path.name}: its sidecar has no TensorRT build record")
        if built.hardware_compat == "none" and built.compute_capability != here:
            return Availability.no(
                f"engine built for sm {built.compute_capability} ({built.gpu}), this GPU is sm {here}: "
                "rebuild it here with ugatit-deploy build"
            )
        if not built.version_compatible and built.version != trt.__version__:
            return Availability.no(
                f"engine built with TensorRT {built.version}, this is {trt.__version__}: rebuild it "
                "(or build with --version-compatible)"
            )
        return Availability.yes()

    def load(self) -> None:
        self.require_available()
        check_hashes(self.path, self.record, TENSORRT_PLAN)  # before TensorRT deserializes it
        if self.record.tensorrt is not None and "max" in self.record.tensorrt.profile:
            check_input_dims(
                self.record.tensorrt.profile["max"], f"{self.path.name}: tensorrt.profile.max", Limits.current()
            )
        try:
            self.engine = PlanEngine(self.path, self.record, self.device_id)
        except PlanError as exc:
            raise BackendError(str(exc)) from None

    def accepts(self, shape: tuple[int, ...]) -> str | None:
        assert self.engine is not None, "call load() first"
        return self.engine.accepts(shape)

    def stage(self, images: np.ndarray) -> Any:
        assert self.engine is not None, "call load() first"
        return self.engine.stage(images)

    def execute(self, staged: Any) -> Any:
        assert self.engine is not None, "call load() first"
        try:
            return self.engine.execute(staged)["output"]  # reused by the next run of this shape: fetch first
        except PlanError as exc:
            raise BackendError(str(exc)) from None

    def run_outputs(self, images: np.ndarray) -> dict[str, np.ndarray]:
        assert self.engine is not None, "call load() first"
        return self.engine.run(images)

    @property
    def img_size(self) -> int:
        return self.record.model.img_size

    def synchronize(self) -> None:
        if self.engine is not None:
            self.engine.stream.synchronize()

    def fetch(self, result: Any) -> np.ndarray:
        self.synchronize()
        return result.float().cpu().numpy()

    def device_memory_bytes(self) -> int | None:
        return self.engine.device_memory_bytes() if self.engine is not None else None

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()
        self.engine = None
