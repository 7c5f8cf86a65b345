"""The backend interface: one small runner per way of executing a U-GAT-IT generator.

A backend is created from an artifact (checkpoint, ONNX file or TensorRT plan), says whether it can run
here and why not (``availability``, cheap, loads nothing), and runs batches of images. The CLI (``bench``,
``infer``), the benchmarks and the tests all use this one interface, as Polygraphy's runners do.

Images are always B x 3 x H x W float32 in [-1, 1] (see ``ugatit_deploy.core.imaging``), on the host. For timing,
the same run is split into ``stage`` (host -> device, once), ``execute`` (the timed part; results stay on
the device) and ``fetch`` (device -> host); ``synchronize`` waits for queued device work.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import UgatitDeployError, UnavailableError
from ..core.fileio import file_sha256
from ..core.limits import Limits
from ..core.metadata import ArtifactRecord, MetadataError, sidecar_path
from ..core.optional import availability_of
from ..formats import ArtifactFormat, read_record
from ..forms import Labelled


class BackendError(UgatitDeployError):
    """A backend that cannot load or run the artifact it was given."""


@dataclass(frozen=True)
class Availability:
    """Whether a backend can run here; ``reason`` says why not (one line, with the fix when there is one)."""

    ok: bool
    reason: str = ""

    @classmethod
    def yes(cls) -> Availability:
        return cls(True)

    @classmethod
    def no(cls, reason: str) -> Availability:
        return cls(False, reason)

    @classmethod
    def of_import(cls, loader: Callable[[], object]) -> Availability:
        """Whether an optional runtime imports (``ugatit_deploy.core.optional``), with its install hint if not."""
        ok, reason = availability_of(loader)
        return cls(ok, reason)


@dataclass
class BackendInfo(Labelled):
    """What a backend runs, for tables and result records."""

    backend: str  # "torch-cpu", "onnxruntime-cuda", "tensorrt", ...
    form: str  # the graph form of the file it runs (``forms.FORMS``; a checkpoint runs as "fp32")
    artifact: Path
    options: dict[str, Any] = field(default_factory=dict)
    file_variant: str = ""  # what sets this artifact apart from others of its form, e.g. "keep-fp 6"
    compute: str = ""  # the compute hints the runner applies (``forms.join_hints``: "bf16", "bf16+throughput")

    @property
    def size_mb(self) -> float:
        try:
            return self.artifact.stat().st_size / 1e6
        except OSError:
            return float("nan")

    @property
    def label(self) -> str:
        extras = "+".join(k for k, v in sorted(self.options.items()) if v is True)
        precision = f"{self.precision} {self.variant}" if self.variant else self.precision
        return f"{self.backend} {precision}" + (f" ({extras})" if extras else "")


class Backend(ABC):
    """Base class of all runners. Subclasses set ``info`` in ``__init__`` and implement the hooks below."""

    info: BackendInfo
    cold_start_ms: float | None = None  # opening to the first image (ms), for runners that measure it (the browser)

    @abstractmethod
    def availability(self) -> Availability:
        """Can this backend run here? Must not raise and must not load the model."""

    @abstractmethod
    def load(self) -> None:
        """Load the artifact (build sessions, engines, CUDA graphs). Raises BackendError / UnavailableError."""

    @abstractmethod
    def stage(self, images: np.ndarray) -> Any:
        """Put a host batch where ``execute`` reads it (device memory for GPU backends)."""

    @abstractmethod
    def execute(self, staged: Any) -> Any:
        """Run the generator on a staged batch; the result may stay on the device, unsynchronized."""

    @abstractmethod
    def fetch(self, result: Any) -> np.ndarray:
        """The translated images of ``execute`` as a host float32 array (synchronizes)."""

    def accepts(self, shape: tuple[int, ...]) -> str | None:
        """None if a batch of this shape can run (after ``load``), else why not (static batch, fixed size)."""
        return None

    def synchronize(self) -> None:
        """Wait until queued device work is done (host backends are always done)."""
        return None

    def artifact_bytes(self) -> int | None:
        """The size of the model's file(s) on disk (None when unknown)."""
        try:
            return self.info.artifact.stat().st_size
        except OSError:
            return None

    def device_memory_bytes(self) -> int | None:
        """Peak device memory since ``load`` (None for host backends)."""
        return None

    def close(self) -> None:
        """Release sessions, engines and device buffers."""
        return None

    def run(self, images: np.ndarray) -> np.ndarray:
        """Translate a host batch: B x 3 x H x W float32 in [-1, 1] -> same shape, float32."""
        images = np.ascontiguousarray(images, dtype=np.float32)
        if images.ndim != 4 or images.shape[1] != 3:
            raise BackendError(f"expected a B x 3 x H x W batch, got shape {tuple(images.shape)}")
        return self.fetch(self.execute(self.stage(images)))

    def run_outputs(self, images: np.ndarray) -> dict[str, np.ndarray]:
        """Every output the artifact has (``output``; with CAM also ``cam_logit`` and ``heatmap``)."""
        return {"output": self.run(images)}

    @property
    def img_size(self) -> int:
        """The model's training size: the size images are resized to (after ``load``)."""
        raise NotImplementedError

    @property
    def light(self) -> bool:
        """Whether the model is a light generator, which takes any H, W (multiples of 4) (after ``load``):
        the artifact's recorded model config, in a file whose height and width are not fixed (an
        ``fp32-winograd`` file's are)."""
        record = getattr(self, "record", None)
        if not isinstance(record, ArtifactRecord):
            return False
        return record.model.light and not all(isinstance(dim, int) for dim in record.io.input.shape[2:])

    @property
    def resize_method(self) -> str:
        """How the model's training images were resized (``imaging.RESIZE_METHODS``): the artifact's
        recorded pre-processing; ``pil`` unless it says otherwise."""
        record = getattr(self, "record", None)
        return record.preprocessing.resize_method if isinstance(record, ArtifactRecord) else "pil"

    def __enter__(self) -> Backend:
        self.load()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def require_available(self) -> None:
        status = self.availability()
        if not status.ok:
            raise UnavailableError(f"{self.info.backend}: {status.reason}")


def check_file(path: str | os.PathLike[str], what: str) -> Path:
    path = Path(path)
    if not path.is_file():
        raise BackendError(f"{what} not found: {path}")
    return path


def artifact_record(path: Path, fmt: ArtifactFormat, limits: Limits | None = None) -> ArtifactRecord:
    """The record of an artifact that must be of format ``fmt``, within ``limits`` (default: the current
    ones): BackendError or LimitError, one line, otherwise."""
    try:
        record = read_record(path, fmt)
    except MetadataError as exc:
        raise BackendError(str(exc)) from None
    check_record_limits(record, path.name, limits or Limits.current())
    return record


def check_record_limits(record: ArtifactRecord, name: str, limits: Limits) -> None:
    """LimitError when a record declares a model larger than ``limits`` allow: its ``img_size`` and the fixed
    dims of its input (batch, height, width); the runners allocate for them."""
    limits.check_model_size(record.model.img_size, f"{name}: model.img_size")
    check_input_dims(record.io.input.shape, f"{name}: io.input.shape", limits)


def check_input_dims(shape: Sequence[int | str | None], what: str, limits: Limits) -> None:
    """LimitError for a fixed input dim over the limits (N x 3 x H x W; names and None are dynamic dims)."""
    if len(shape) != 4:
        raise BackendError(f"{what} must be N x 3 x H x W, got {list(shape)}")
    batch, channels, height, width = (d if isinstance(d, int) and not isinstance(d, bool) else None for d in shape)
    if channels not in (None, 3):
        raise BackendError(f"{what} must have 3 channels, got {list(shape)}")
    if batch is not None:
        limits.check_batch(batch, f"{what} batch")
    for dim in (height, width):
        if dim is not None:
            limits.check_model_size(dim, f"{what} size")


def check_hashes(path: Path, record: ArtifactRecord, fmt: ArtifactFormat) -> None:
    """Refuse an artifact (and its companion files) whose size or sha256 differs from its record's, before any
    runtime parses it: runtimes read damaged models without complaint (MNN, ncnn: wrong images) or crash on
    them. A record without a hash (an ONNX file's embedded metadata, no sidecar) has nothing to check."""
    expected = {path: (record.sha256, record.size_bytes)}
    if weights := record.weights:
        expected |= {companion: (weights.sha256, weights.size_bytes) for companion in fmt.companions(path)}
    elif fmt.companions(path):
        raise BackendError(f"{path.name}: its sidecar records no weights file (export it again)")
    if not sidecar_path(path).is_file():
        return  # an ONNX file's embedded metadata: no sidecar, no recorded hash
    for file, (digest, size) in expected.items():
        if digest is None or size is None:
            raise BackendError(f"{file.name}: its sidecar records no sha256 / size_bytes (export it again)")
        if not file.is_file() or file.stat().st_size != size or file_sha256(file) != digest:
            raise BackendError(f"{file.name} is missing or does not match the sha256 its sidecar records: the "
                               "file is damaged or was changed (export it again)")  # fmt: skip
