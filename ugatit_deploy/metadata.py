"""The artifact metadata schema: one record per exported artifact (ONNX file or TensorRT plan).

It is written twice: as a sidecar JSON beside the artifact (``model.onnx`` -> ``model.onnx.json``;
``model.plan`` -> ``model.plan.json``: an ONNX and its engine can share a folder and a stem), and, for
ONNX files, flattened into ``metadata_props`` under the ``ugatit.`` prefix. Plans never carry
metadata inside the file (loaders would reject it).

Schema ``ugatit-deploy/artifact``, version 1::

    schema, schema_version            "ugatit-deploy/artifact", 1
    kind                              "onnx" | "tensorrt-plan" | "mnn" | "ncnn" (export --format; ncnn adds
                                      "weights": {"file", "sha256", "size_bytes"} of its .ncnn.bin)
    file, sha256, size_bytes          the artifact's file name (same folder), hash and size
    precision                         "fp32" | "fp16" | "int8" (TensorRT-style QDQ) | "int8-cpu" (ORT-fast QDQ)
    normalization                     "adailn-function" | "adailn-inline"
    direction                         "a2b" | "b2a"
    model                             {"ngf", "n_blocks", "img_size", "light"} (TensorFlow-converted models
                                      add "variant": "tensorflow" and "smoothing")
    io                                {"input": {"name", "shape", "dtype", "range"},
                                       "outputs": [{"name", "shape", "dtype"}, ...]}
                                      shapes use strings for dynamic dims ("batch", "height", ...)
    preprocessing                     {"color": "RGB", "layout": "NCHW", "resize": "bilinear" (TensorFlow-
                                      converted models: "opencv-bilinear", with a "note"),
                                       "scale": "x / 127.5 - 1"}  (see ugatit_deploy.imaging)
    source                            {"checkpoint": file or folder name, "sha256": hash of the checkpoint (of
                                      a TF checkpoint: of its index), "format": the checkpoint's format}
    opset                             ONNX default-domain opset
    ugatit_deploy_version             the exporting version
    created_utc                       ISO-8601 time
    validation                        what export-time validation measured (may be empty)
    tensorrt                          engines only: version, GPU, compute capability, profiles, trtexec
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .__about__ import __version__
from .errors import UgatitDeployError
from .fileio import atomic_output, file_sha256

SCHEMA = "ugatit-deploy/artifact"
SCHEMA_VERSION = 1
PREFIX = "ugatit."
PREPROCESSING = {"color": "RGB", "layout": "NCHW", "resize": "bilinear", "scale": "x / 127.5 - 1"}
# Models converted from the official TensorFlow code were trained and tested with OpenCV's resize.
TF_PREPROCESSING = {
    **PREPROCESSING,
    "resize": "opencv-bilinear",
    "note": "the official TF code's test transform: cv2.resize (bilinear, no antialiasing) to the model size, then "
    "x / 127.5 - 1. PIL's bilinear (the PyTorch code's) averages over the covered pixels when it shrinks, so "
    "large photos come out smoother; `ugatit-deploy infer --resize opencv` reproduces OpenCV's.",
}
RESIZE_OF = {"bilinear": "pil", "opencv-bilinear": "opencv"}  # preprocessing.resize -> imaging.resize method


def preprocessing_for(variant: str) -> dict[str, str]:
    """The pre-processing a generator variant was trained with (``model.config`` variants)."""
    return dict(TF_PREPROCESSING if variant == "tensorflow" else PREPROCESSING)


def resize_method(record: dict[str, Any]) -> str:
    """The ``imaging.resize`` method an artifact's record asks for (``pil`` when it does not say)."""
    return RESIZE_OF.get(str((record.get("preprocessing") or {}).get("resize", "bilinear")), "pil")


# Flattened into ONNX metadata_props (values as strings; nested records as JSON).
ONNX_KEYS = ("direction", "precision", "normalization", "model", "source", "io", "preprocessing",
             "ugatit_deploy_version", "schema_version")  # fmt: skip


class MetadataError(UgatitDeployError):
    """An artifact without (valid) ugatit-deploy metadata."""


def new_record(kind: str, **fields: Any) -> dict[str, Any]:
    """A metadata record with the fixed fields filled in."""
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "kind": kind,
        "preprocessing": dict(PREPROCESSING),
        "ugatit_deploy_version": __version__,
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **fields,
    }


def sidecar_path(artifact: str | os.PathLike[str]) -> Path:
    path = Path(artifact)
    return path.with_name(path.name + ".json")


def describe_file(record: dict[str, Any], artifact: Path) -> dict[str, Any]:
    """Add the artifact's name, hash and size to a record."""
    return {
        **record,
        "file": artifact.name,
        "sha256": file_sha256(artifact),
        "size_bytes": artifact.stat().st_size,
    }


def write_sidecar(record: dict[str, Any], artifact: str | os.PathLike[str]) -> Path:
    path = sidecar_path(artifact)
    with atomic_output(path) as handle:
        handle.write((json.dumps(record, indent=2) + "\n").encode())
    return path


def read_sidecar(artifact: str | os.PathLike[str]) -> dict[str, Any]:
    """The sidecar record of an artifact; MetadataError when missing, unreadable or not ours."""
    path = sidecar_path(artifact)
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        raise MetadataError(
            f"no metadata sidecar {path} beside {Path(artifact).name}: not an ugatit-deploy artifact"
        ) from None
    except (OSError, ValueError) as exc:
        raise MetadataError(f"unreadable metadata sidecar {path}: {exc}") from None
    check_record(record, str(path))
    return record


def check_record(record: Any, where: str) -> None:
    if not isinstance(record, dict) or record.get("schema") != SCHEMA:
        raise MetadataError(f"{where}: not ugatit-deploy artifact metadata (schema {SCHEMA!r} expected)")
    if not isinstance(record.get("schema_version"), int) or record["schema_version"] > SCHEMA_VERSION:
        raise MetadataError(
            f"{where}: metadata schema_version {record.get('schema_version')!r} is newer than this ugatit-deploy reads"
        )


def to_onnx_props(record: dict[str, Any]) -> dict[str, str]:
    """The record's ONNX metadata_props: ``ugatit.<key>`` -> string (JSON for nested values)."""
    props = {}
    for key in ONNX_KEYS:
        if key in record:
            value = record[key]
            props[PREFIX + key] = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return props


def read_onnx_record(path: str | os.PathLike[str]) -> dict[str, Any]:
    """An ONNX file's record: its sidecar, else the metadata inside the file (MetadataError if neither)."""
    try:
        return read_sidecar(path)
    except MetadataError:
        pass
    import onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # noqa: BLE001 - any decode failure means "not an ONNX file"
        raise MetadataError(f"cannot read ONNX file {path}: {str(exc).splitlines()[0] if str(exc) else exc}") from None
    return from_onnx_props({p.key: p.value for p in model.metadata_props}, str(path))


def from_onnx_props(props: dict[str, str], where: str) -> dict[str, Any]:
    """Rebuild the record fields kept in an ONNX file's metadata_props."""
    ours = {k[len(PREFIX) :]: v for k, v in props.items() if k.startswith(PREFIX)}
    if "model" not in ours or "direction" not in ours:
        raise MetadataError(f"{where} has no ugatit-deploy metadata: export it with `ugatit-deploy export`")
    record: dict[str, Any] = {}
    for key, value in ours.items():
        try:
            record[key] = (
                json.loads(value)
                if key not in ("direction", "precision", "normalization", "ugatit_deploy_version")
                else value
            )
        except ValueError:
            raise MetadataError(f"{where}: metadata {PREFIX}{key} is not valid JSON") from None
    return record


def artifact_variant(record: dict[str, Any]) -> str:
    """A short tag for INT8 files with extra float layers (``keep-fp 6``), else ""."""
    kept = (record.get("quantization") or {}).get("keep_fp") or []
    return f"keep-fp {len(kept)}" if kept else ""
