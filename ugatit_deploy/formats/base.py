"""What an artifact format is: one ``ArtifactFormat`` per kind of model file ugatit-deploy writes and runs.

A format declares its name (``export --format``), its file suffixes and how a file of it is recognised,
the ``kind`` its sidecar records, the export precisions it takes (and why not the others), the gates its
runtime is judged by where they differ from the precision's default, and its place in a Triton model
repository; it writes itself from the validated ONNX graph of one precision (``write``: convert, validate
the converted model against PyTorch with the runtime's own session, then write the file and its sidecar
atomically). Which backends run it is the backend registry's ``runs`` (``backends.backends_for``).

Export, artifact naming, the backend registry's artifact kinds, the Triton repository, the bench's
preparation and the sidecar all read these entries (``formats.FORMATS``).
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
import onnx

from ..core.artifacts import artifact_name
from ..core.errors import ExportError
from ..core.fileio import file_sha256
from ..core.gates import Gate
from ..core.metadata import ArtifactRecord, ValidationReport


@dataclass(frozen=True)
class WriteJob:
    """What export hands a format for one precision: the validated ONNX graph (``model``: the Q/DQ graph
    for INT8, or the FP32 graph for a format that quantizes itself), where the artifact goes, its record
    (without file, hash and size), and how to judge a session of the converted model."""

    model: onnx.ModelProto
    path: Path
    record: ArtifactRecord
    report: ValidationReport | None  # the graph validated on ONNX Runtime; None: a format that quantizes itself
    validate: Callable[[Any], ValidationReport]  # session (ONNX Runtime's run(names, feeds)) -> report; raises
    size: int  # the model's img_size: converters that need an input shape
    calibration: Sequence[np.ndarray] = ()  # 1 x 3 x S x S images, for formats that quantize themselves
    log: Callable[[str], None] = print


class ArtifactFormat(ABC):
    """One artifact format. Subclasses set the class attributes and implement ``write``."""

    name: ClassVar[str]  # "mnn": `export --format mnn`, a backend registry entry's ``runs``
    kind: ClassVar[str]  # what its sidecar's ``kind`` says, e.g. "tensorrt-plan"
    suffixes: ClassVar[tuple[str, ...]]  # the first is the one export writes; all are recognised
    describes: ClassVar[str]  # how error messages name a file of it: "an MNN model (export --format mnn)"
    summary: ClassVar[str]  # one line for --help
    precisions: ClassVar[tuple[str, ...]]  # export precisions it takes
    refusal: ClassVar[str] = ""  # why it does not take the other export precisions (measured)
    gates: ClassVar[Mapping[str, Gate]] = MappingProxyType({})  # precision -> its runtime's gate, where it differs
    quantizes_itself: ClassVar[bool] = False  # INT8 from the FP32 graph + calibration images, not Q/DQ
    float_rgb_out: ClassVar[bool] = True  # INT8 keeps the RGB-out conv in float (``export.int8.float_layers``)
    image_output_only: ClassVar[bool] = False  # cannot carry cam_logit / heatmap outputs
    # Its CPU runtime computes 3x3 convolutions as Winograd transforms: fewer multiplications than the direct
    # count, so the bench's effective GFLOP/s can pass the measured matmul peak (``Floor.with_peak``).
    winograd: ClassVar[bool] = False
    triton: ClassVar[tuple[str, str] | None] = None  # (platform, default file name) in a Triton repository

    def recognises(self, path: str | os.PathLike[str]) -> bool:
        """Whether a file name is of this format (when no sidecar says so)."""
        return str(path).endswith(self.suffixes)

    def artifact_path(self, folder: str | os.PathLike[str], checkpoint: str | os.PathLike[str], direction: str,
                      precision: str) -> Path:  # fmt: skip
        """Where export writes one precision: ``<checkpoint stem>_<direction>_<precision><suffix>``."""
        return Path(folder) / artifact_name(Path(checkpoint).stem, direction, precision, self.suffixes[0])

    def content_sha256(self, path: Path) -> str:
        """The SHA-256 its record states for the artifact at ``path``: the file's (a bundle folder: its manifest's)."""
        return file_sha256(path)

    def companions(self, path: Path) -> tuple[Path, ...]:
        """Files that belong to the artifact beside it (ncnn's weights); recorded and checked with it."""
        return ()

    def unavailable_reason(self) -> str | None:
        """None when this machine can write the format (its converter imports), else why not."""
        return None

    def check_request(self, precisions: Sequence[str], all_outputs: bool) -> None:
        """ExportError, before any work, for a precision or output set this format does not take."""
        if others := [p for p in precisions if p not in self.precisions]:
            reason = f": {self.refusal}" if self.refusal else ""
            raise ExportError(f"--format {self.name} takes {', '.join(self.precisions)}, not {others[0]}{reason}")
        if all_outputs and self.image_output_only:
            raise ExportError(f"--format {self.name} writes the image output only: drop --outputs all")

    def gate(self, precision: str, defaults: Mapping[str, Gate], overrides: Mapping[str, Gate] | None = None) -> Gate:
        """The gate of ``precision`` on this format's runtime, moved by the user's ``--gate`` for it."""
        own = self.gates.get(precision)
        if own is None:
            return defaults[precision]
        return own.moved_by((overrides or {}).get(precision))

    @abstractmethod
    def write(self, job: WriteJob) -> ValidationReport:
        """Convert ``job.model``, validate the result (``job.validate(session)``; it raises ExportError on a
        failed gate, and nothing is written then), write the artifact and its sidecar; return the report."""
