"""The artifact metadata schema: one ``ArtifactRecord`` per exported artifact (ONNX file, TensorRT plan,
MNN or ncnn model), read and written by its typed fields.

It is written twice: as a sidecar JSON beside the artifact (``model.onnx`` -> ``model.onnx.json``;
``model.plan`` -> ``model.plan.json``: an ONNX and its engine can share a folder and a stem), and, for
ONNX files, flattened into ``metadata_props`` under the ``ugatit.`` prefix. Plans never carry metadata
inside the file (loaders would reject it). Every sidecar ugatit-deploy has written reads back to the same
JSON text (tests/core/test_metadata.py).

Schema ``ugatit-deploy/artifact``, version 1 (the fields of ``ArtifactRecord``, in this order)::

    schema, schema_version        "ugatit-deploy/artifact", 1
    kind                          the format's sidecar kind: "onnx" | "tensorrt-plan" | "mnn" | "ncnn"
    preprocessing                 Preprocessing: color "RGB", layout "NCHW", resize "bilinear" (TensorFlow-
                                  converted models: "opencv-bilinear", with a note), scale "x / 127.5 - 1"
    ugatit_deploy_version, created_utc   the exporting version; ISO-8601 time
    precision                     "fp32" | "fp16" | "int8" (TensorRT-style QDQ) | "int8-cpu" (ORT-fast QDQ)
    normalization                 "adailn-function" | "adailn-inline" | "two-pass" (web bundles)
    direction                     "a2b" | "b2a"
    model                         ModelSpec: ngf, n_blocks, img_size, light (TF-converted: variant, smoothing)
    io                            IoSpec: input {name, shape, dtype, range}, outputs [{name, shape, dtype}];
                                  shapes use strings for dynamic dims ("batch", "height", ...)
    source                        SourceCheckpoint: checkpoint (file or folder name), sha256 (a TF
                                  checkpoint's: of its index), format
    opset                         ONNX default-domain opset
    validation                    ValidationReport: what export-time validation measured (plans: none)
    quantization                  INT8 only: variant, float_layers, keep_fp, calibration
    converter                     MNN / ncnn: the converter and its version
    weights                       ncnn: FileRef of the .ncnn.bin
    tensorrt                      plans: TensorRtBuild (version, GPU, compute capability, profile, trtexec, ...)
    file, sha256, size_bytes      the artifact's file name (same folder), hash and size
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..__about__ import __version__
from .errors import UgatitDeployError
from .fileio import atomic_output, file_sha256
from .jsonrecord import JsonRecord, RecordError
from .parity import ImageParity

SCHEMA = "ugatit-deploy/artifact"
SCHEMA_VERSION = 1
PREFIX = "ugatit."


class MetadataError(UgatitDeployError):
    """An artifact without (valid) ugatit-deploy metadata."""


@dataclass(frozen=True)
class Preprocessing(JsonRecord):
    """How images reach the model (``core.imaging``): what the model was trained with."""

    color: str = "RGB"
    layout: str = "NCHW"
    resize: str = "bilinear"  # "opencv-bilinear": the official TensorFlow code's cv2.resize
    scale: str = "x / 127.5 - 1"
    note: str | None = None

    @property
    def resize_method(self) -> str:
        """The ``imaging.resize`` method this asks for."""
        return RESIZE_OF.get(self.resize, "pil")


PREPROCESSING = Preprocessing()
# Models converted from the official TensorFlow code were trained and tested with OpenCV's resize.
TF_PREPROCESSING = Preprocessing(
    resize="opencv-bilinear",
    note="the official TF code's test transform: cv2.resize (bilinear, no antialiasing) to the model size, then "
    "x / 127.5 - 1. PIL's bilinear (the PyTorch code's) averages over the covered pixels when it shrinks, so "
    "large photos come out smoother; `ugatit-deploy infer --resize opencv` reproduces OpenCV's.",
)
RESIZE_OF = {"bilinear": "pil", "opencv-bilinear": "opencv"}  # preprocessing.resize -> imaging.resize method


def preprocessing_for(variant: str) -> Preprocessing:
    """The pre-processing a generator variant was trained with (``model.config`` variants)."""
    return TF_PREPROCESSING if variant == "tensorflow" else PREPROCESSING


@dataclass(frozen=True)
class ModelSpec(JsonRecord):
    """The generator's architecture (``model.GeneratorConfig.to_dict``)."""

    ngf: int
    n_blocks: int
    img_size: int
    light: bool
    variant: str | None = None  # "tensorflow" for converted official TF weights
    smoothing: bool | None = None

    def __post_init__(self) -> None:
        for name, low in (("ngf", 1), ("n_blocks", 0), ("img_size", 1)):
            value = getattr(self, name)
            if isinstance(value, int) and value < low:
                raise RecordError(f"model.{name} must be at least {low}, got {value}")


@dataclass(frozen=True)
class TensorSpec(JsonRecord):
    name: str
    shape: tuple[int | str, ...]
    dtype: str
    range: tuple[float, ...] | None = None  # the input's value range

    def __post_init__(self) -> None:
        if not self.shape or any(isinstance(d, int) and d < 1 for d in self.shape):
            raise RecordError(f"tensor {self.name!r}: shape must list positive dims or names, got {list(self.shape)}")

    @property
    def dynamic_batch(self) -> bool:
        return isinstance(self.shape[0], str)


@dataclass(frozen=True)
class IoSpec(JsonRecord):
    input: TensorSpec
    outputs: tuple[TensorSpec, ...]

    def __post_init__(self) -> None:
        if len(self.input.shape) != 4 or self.input.shape[1] != 3:
            raise RecordError(f"io.input.shape must be N x 3 x H x W, got {list(self.input.shape)}")
        if not self.outputs:
            raise RecordError("io.outputs: at least the image output expected, got none")

    @property
    def output_names(self) -> tuple[str, ...]:
        return tuple(output.name for output in self.outputs)


@dataclass(frozen=True)
class SourceCheckpoint(JsonRecord):
    checkpoint: str
    sha256: str
    format: str | None = None  # records before the TF checkpoints came lack it


@dataclass(frozen=True)
class Quantization(JsonRecord):
    variant: str
    float_layers: tuple[str, ...]
    keep_fp: tuple[str, ...]
    calibration: str


@dataclass(frozen=True)
class FileRef(JsonRecord):
    file: str
    sha256: str
    size_bytes: int


@dataclass(frozen=True)
class TensorRtBuild(JsonRecord):
    """How a plan was built (``ugatit-deploy build``)."""

    version: str
    gpu: str
    compute_capability: str
    strongly_typed: bool
    builder_flags: tuple[str, ...]
    profile: dict[str, tuple[int, ...]]  # min / opt / max input shapes
    opt_level: int
    version_compatible: bool
    hardware_compat: str
    onnx: str
    onnx_sha256: str
    trtexec: str


@dataclass(frozen=True)
class ValidationReport(JsonRecord):
    """Export-time validation against PyTorch FP32: the gate's thresholds, each gated case's parity, the
    image sets measured but not gated, and (FP16) NaN/Inf counts on extreme inputs."""

    precision: str
    gate: dict[str, float] | None = None  # None only in records written before gates were recorded
    cases: dict[str, ImageParity] = field(default_factory=dict)
    report_only: dict[str, ImageParity] | None = None  # the same
    passed: bool = False
    extreme_inputs_nonfinite: dict[str, int] | None = None

    @property
    def worst_max_abs(self) -> float:
        return max(parity.max_abs for parity in self.cases.values())

    @property
    def worst_psnr_db(self) -> float:
        return min(parity.psnr_db for parity in self.cases.values())


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True, kw_only=True)
class ArtifactRecord(JsonRecord):
    """The metadata of one artifact, field for field the sidecar's keys (see the module doc)."""

    schema: str = SCHEMA
    schema_version: int = SCHEMA_VERSION
    kind: str
    preprocessing: Preprocessing = PREPROCESSING
    ugatit_deploy_version: str = __version__
    created_utc: str = field(default_factory=_now)
    precision: str
    normalization: str
    direction: str
    model: ModelSpec
    io: IoSpec
    source: SourceCheckpoint
    opset: int
    validation: ValidationReport | None = None
    quantization: Quantization | None = None
    converter: str | None = None
    weights: FileRef | None = None
    tensorrt: TensorRtBuild | None = None
    file: str | None = None
    sha256: str | None = None
    size_bytes: int | None = None

    @property
    def variant(self) -> str:
        """A short tag for INT8 files with extra float layers (``keep-fp 6``), else ""."""
        kept = self.quantization.keep_fp if self.quantization else ()
        return f"keep-fp {len(kept)}" if kept else ""

    @classmethod
    def from_dict(cls, data: Any, where: str = "") -> ArtifactRecord:
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise RecordError(f"not ugatit-deploy artifact metadata (schema {SCHEMA!r} expected)")
        version = data.get("schema_version")
        if not isinstance(version, int) or isinstance(version, bool) or version > SCHEMA_VERSION:
            raise RecordError(f"metadata schema_version {version!r} is newer than this ugatit-deploy reads")
        return super().from_dict(data, where)

    def describing(self, artifact: Path) -> ArtifactRecord:
        """This record with the artifact's name, hash and size filled in."""
        return replace(self, file=artifact.name, sha256=file_sha256(artifact), size_bytes=artifact.stat().st_size)


def sidecar_path(artifact: str | os.PathLike[str]) -> Path:
    path = Path(artifact)
    return path.with_name(path.name + ".json")


def write_sidecar(record: ArtifactRecord, artifact: str | os.PathLike[str]) -> Path:
    path = sidecar_path(artifact)
    with atomic_output(path) as handle:
        handle.write((json.dumps(record.to_dict(), indent=2) + "\n").encode())
    return path


def read_sidecar(artifact: str | os.PathLike[str]) -> ArtifactRecord:
    """The sidecar record of an artifact; MetadataError when missing, unreadable or not ours."""
    path = sidecar_path(artifact)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise MetadataError(
            f"no metadata sidecar {path} beside {Path(artifact).name}: not an ugatit-deploy artifact"
        ) from None
    except (OSError, ValueError, RecursionError) as exc:
        raise MetadataError(f"unreadable metadata sidecar {path}: {str(exc)[:200]}") from None
    try:
        return ArtifactRecord.from_dict(data)
    except RecordError as exc:
        raise MetadataError(f"{path}: {exc}") from None
    except RecursionError:  # a value nested deeper than the reader's messages can print
        raise MetadataError(f"{path}: a value is nested too deeply") from None


# Flattened into ONNX metadata_props (values as strings; nested records as JSON).
ONNX_KEYS = ("direction", "precision", "normalization", "model", "source", "io", "preprocessing",
             "ugatit_deploy_version", "schema_version")  # fmt: skip
_PLAIN = ("direction", "precision", "normalization", "ugatit_deploy_version")  # stored as they are, not JSON


def to_onnx_props(record: ArtifactRecord) -> dict[str, str]:
    """The record's ONNX metadata_props: ``ugatit.<key>`` -> string (JSON for nested values)."""
    data = record.to_dict()
    return {PREFIX + key: data[key] if key in _PLAIN else json.dumps(data[key], sort_keys=True) for key in ONNX_KEYS}


def from_onnx_props(props: dict[str, str], where: str, opset: int = 0) -> ArtifactRecord:
    """The record kept in an ONNX file's metadata_props (no validation, file or hash: those are the
    sidecar's)."""
    ours = {k[len(PREFIX) :]: v for k, v in props.items() if k.startswith(PREFIX)}
    if "model" not in ours or "direction" not in ours:
        raise MetadataError(f"{where} has no ugatit-deploy metadata: export it with `ugatit-deploy export`")
    data: dict[str, Any] = {"schema": SCHEMA, "kind": "onnx", "opset": opset}
    for key, value in ours.items():
        try:
            data[key] = value if key in _PLAIN else json.loads(value)
        except (ValueError, RecursionError):
            raise MetadataError(f"{where}: metadata {PREFIX}{key} is not valid JSON") from None
    try:
        return ArtifactRecord.from_dict(data)
    except RecordError as exc:
        raise MetadataError(f"{where}: metadata {exc}") from None
    except RecursionError:
        raise MetadataError(f"{where}: a metadata value is nested too deeply") from None


def read_onnx_record(path: str | os.PathLike[str]) -> ArtifactRecord:
    """An ONNX file's record: its sidecar, else (no sidecar file) the metadata inside the file. A sidecar that
    exists but does not parse is a MetadataError, never passed over for the embedded copy."""
    if sidecar_path(path).exists():
        return read_sidecar(path)
    import onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # noqa: BLE001 - any decode failure means "not an ONNX file"
        raise MetadataError(f"cannot read ONNX file {path}: {str(exc).splitlines()[0] if str(exc) else exc}") from None
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    return from_onnx_props({p.key: p.value for p in model.metadata_props}, str(path), opset)
