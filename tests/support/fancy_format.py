"""A format and a runtime that do not exist, added the way the README's "Adding a format" says: one
``ArtifactFormat`` (what a new module in ``ugatit_deploy/formats/`` holds), and, because a new runtime runs
it, one runner class (a new backend module) and one ``BackendSpec``. The "conversion" keeps the validated
ONNX graph under its own suffix, and the "runtime" is ONNX Runtime reading that file, so the test needs
nothing installed."""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime

from ugatit_deploy.backends import Availability, Backend, BackendInfo, BackendSpec
from ugatit_deploy.backends.base import artifact_record, check_file, check_hashes
from ugatit_deploy.core.fileio import atomic_output
from ugatit_deploy.core.metadata import ValidationReport, write_sidecar
from ugatit_deploy.formats import ArtifactFormat, WriteJob


class FancyFormat(ArtifactFormat):
    name = "fancy"
    kind = "fancy"
    suffixes = (".fancy",)
    describes = "a Fancy model (export --format fancy)"
    summary = ".fancy for the Fancy runtime (fp32)"
    precisions = ("fp32",)
    refusal = "Fancy computes in float32 only"

    def write(self, job: WriteJob) -> ValidationReport:
        with tempfile.TemporaryDirectory() as tmp:
            converted = Path(tmp) / job.path.name
            onnx.save(job.model, str(converted))
            report = job.validate(_session(converted))
            with atomic_output(job.path) as handle:
                handle.write(converted.read_bytes())
        write_sidecar(replace(job.record, validation=report).describing(job.path), job.path)
        return report


FANCY = FancyFormat()


def _session(path: Path) -> Any:
    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


class FancyBackend(Backend):
    """The new runtime's runner."""

    def __init__(self, path: str | os.PathLike[str], threads: int | None = None) -> None:
        self.path = check_file(path, "Fancy model")
        self.record = artifact_record(self.path, FANCY)
        self.info = BackendInfo("fancy-cpu", self.record.precision, self.path)
        self.session: Any = None

    def availability(self) -> Availability:
        return Availability.yes()

    def load(self) -> None:
        check_hashes(self.path, self.record, FANCY)
        self.session = _session(self.path)

    def stage(self, images: np.ndarray) -> np.ndarray:
        return images

    def execute(self, staged: np.ndarray) -> np.ndarray:
        return self.session.run(["output"], {"input": staged})[0]

    def fetch(self, result: np.ndarray) -> np.ndarray:
        return np.asarray(result, dtype=np.float32)

    @property
    def img_size(self) -> int:
        return self.record.model.img_size


FANCY_SPEC = BackendSpec("fancy-cpu", "fancy", FANCY.name, "cpu", "the Fancy runtime", f"{__name__}:FancyBackend",
                         options=("threads",), auto_rank=0)  # fmt: skip
