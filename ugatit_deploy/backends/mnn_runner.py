"""MNN runner for the ``.mnn`` files of ``ugatit-deploy export --format mnn``: MNN's CPU backend, whose 3x3
convolutions run as Winograd transforms (fewer multiplications than a direct convolution).

A file is checked against the sha256 its sidecar records before MNN reads it: MNN loads a damaged
file without complaint and computes wrong images from it. A file this machine did not export is first loaded
and run once in a child process (``child_probe``): MNN crashes the process on some hostile files.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..core.optional import mnn
from ..core.trusted import is_trusted, mark_trusted
from ..formats.mnn import MNN
from ..formats.mnn_runtime import MnnError, MnnModule
from .base import Availability, Backend, BackendError, BackendInfo, artifact_record, check_file, check_hashes
from .child_probe import probe_in_child


class MnnBackend(Backend):
    """One MNN module (dynamic input shape) with the thread count set, float32 precision."""

    def __init__(self, model_path: str | os.PathLike[str], threads: int | None = None) -> None:
        self.path = check_file(model_path, "MNN model")
        self.record = artifact_record(self.path, MNN)
        # MNN's "low" precision mode computed exactly what "high" does on the x86 CPU measured (same images,
        # same time): only float32 is offered.
        self.threads = threads
        options: dict[str, Any] = {"threads": threads} if threads else {}
        self.info = BackendInfo("mnn-cpu", self.record.precision, self.path, options, self.record.variant)
        self.module: MnnModule | None = None

    def availability(self) -> Availability:
        return Availability.of_import(mnn)

    def load(self) -> None:
        self.require_available()
        check_hashes(self.path, self.record, MNN)
        outputs = self.record.io.output_names
        if not is_trusted(self.record.sha256):  # MNN crashes on some hostile files: try it in a child first
            probe_in_child("mnn", self.path, outputs, self.record.model.img_size)
            mark_trusted(self.record.sha256 or "")
        try:
            self.module = MnnModule(self.path, list(outputs), self.threads)
        except MnnError as exc:
            raise BackendError(str(exc)) from None

    def stage(self, images: np.ndarray) -> Any:
        assert self.module is not None, "call load() first"
        return self.module.stage(images)

    def execute(self, staged: Any) -> Any:
        assert self.module is not None, "call load() first"
        try:
            return self.module.forward(staged)
        except MnnError as exc:
            raise BackendError(f"{self.path.name}: {exc}") from None

    def fetch(self, result: Any) -> np.ndarray:
        assert self.module is not None, "call load() first"
        try:
            return self.module.fetch(result[0])
        except MnnError as exc:
            raise BackendError(f"{self.path.name}: {exc}") from None

    def run_outputs(self, images: np.ndarray) -> dict[str, np.ndarray]:
        assert self.module is not None, "call load() first"
        try:
            return self.module.run(images)
        except MnnError as exc:
            raise BackendError(f"{self.path.name}: {exc}") from None

    @property
    def img_size(self) -> int:
        return self.record.model.img_size

    def close(self) -> None:
        self.module = None
