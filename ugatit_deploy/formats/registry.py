"""The artifact formats, defined once (one module each in this package): what ``export --format`` offers,
how a model file's kind is recognised, how error messages name it, and where its record is read from."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from ..core.errors import ExportError
from ..core.metadata import ArtifactRecord, MetadataError, read_onnx_record, read_sidecar
from .base import ArtifactFormat
from .mnn import MNN
from .ncnn import NCNN
from .onnx import ONNX
from .tensorrt_plan import TENSORRT_PLAN
from .web import WEB

_REGISTERED: dict[str, ArtifactFormat] = {f.name: f for f in (ONNX, TENSORRT_PLAN, MNN, NCNN, WEB)}
FORMATS: Mapping[str, ArtifactFormat] = MappingProxyType(_REGISTERED)  # read-only; always the current entries
CHECKPOINT = "checkpoint"  # the one model file that is not an artifact format: what torch runners read


def get_format(name: str) -> ArtifactFormat:
    if name not in FORMATS:
        raise ExportError(f"unknown --format {name!r}: use {', '.join(FORMATS)}")
    return FORMATS[name]


def format_of(path: str | os.PathLike[str]) -> ArtifactFormat | None:
    """The format of a model file: the one its sidecar's kind names, else the one its suffix names; None
    for anything else (a checkpoint, or an official TensorFlow checkpoint's folder)."""
    try:
        kind = read_sidecar(path).kind
    except MetadataError:
        kind = None
    by_kind = next((f for f in FORMATS.values() if f.kind == kind), None)
    return by_kind or next((f for f in FORMATS.values() if f.recognises(path)), None)


def artifact_kind(path: str | os.PathLike[str]) -> str:
    """A format's name, or ``checkpoint``: what a model file is, for the backend registry."""
    found = format_of(path)
    return found.name if found is not None else CHECKPOINT


def artifact_kinds() -> dict[str, str]:
    """Every kind of model file and how messages name it."""
    return {CHECKPOINT: "a checkpoint", **{f.name: f.describes for f in FORMATS.values()}}


def read_record(path: str | os.PathLike[str], expected: ArtifactFormat | None = None) -> ArtifactRecord:
    """An artifact's record: its sidecar (ONNX files: else the metadata inside the file). With ``expected``,
    a record of another kind is a MetadataError."""
    fmt = expected or format_of(path)
    record = read_onnx_record(path) if fmt is ONNX else read_sidecar(path)
    if expected is not None and record.kind != expected.kind:
        raise MetadataError(f"{Path(path).name} is not {expected.describes} (its sidecar says {record.kind})")
    return record
