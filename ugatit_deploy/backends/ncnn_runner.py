"""ncnn runner for the ``.ncnn.param`` + ``.ncnn.bin`` files of ``ugatit-deploy export --format ncnn``:
Tencent's mobile/edge runtime on the CPU (Winograd 3x3 convolutions; float32, or INT8 convolutions for
``--precision int8-cpu`` models, which ncnn quantizes at load from the scales the export wrote).

Both files are checked against the hashes their sidecar records before ncnn reads them: ncnn loads
damaged weights without complaint and computes wrong images from them.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..core.optional import ncnn
from ..formats.ncnn import NCNN, weights_path
from ..formats.ncnn_runtime import NcnnError, NcnnNet
from .base import Availability, Backend, BackendError, BackendInfo, artifact_record, check_file, check_hashes


class NcnnBackend(Backend):
    """One ncnn Net with the thread count set; batches run image by image."""

    def __init__(self, param_path: str | os.PathLike[str], threads: int | None = None) -> None:
        self.path = check_file(param_path, "ncnn model")
        self.weights = weights_path(self.path)
        self.record = artifact_record(self.path, NCNN)
        self.threads = threads
        options: dict[str, Any] = {"threads": threads} if threads else {}
        self.info = BackendInfo("ncnn-cpu", self.record.precision, self.path, options, self.record.variant)
        self.net: NcnnNet | None = None

    def availability(self) -> Availability:
        return Availability.of_import(ncnn)

    def load(self) -> None:
        self.require_available()
        check_hashes(self.path, self.record, NCNN)
        try:
            self.net = NcnnNet(self.path, self.weights, self.threads)
        except NcnnError as exc:
            raise BackendError(str(exc)) from None

    def stage(self, images: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(images, dtype=np.float32)

    def execute(self, staged: np.ndarray) -> np.ndarray:
        assert self.net is not None, "call load() first"
        try:
            return self.net.run(staged)
        except NcnnError as exc:
            raise BackendError(str(exc)) from None

    def fetch(self, result: np.ndarray) -> np.ndarray:
        return result

    def artifact_bytes(self) -> int | None:
        try:
            return self.path.stat().st_size + self.weights.stat().st_size
        except OSError:
            return None

    @property
    def img_size(self) -> int:
        return self.record.model.img_size

    def close(self) -> None:
        self.net = None
