"""Artifact naming and folder rules, defined once. Every format names its files through ``artifact_name``
(``formats.ArtifactFormat.artifact_path``: ``<checkpoint stem>_<direction>_<precision><suffix>``); bench
and demo runs keep what they make in these folders of their output folder. The sidecar rule,
``<artifact>.json``, is part of the metadata schema (``core.metadata.sidecar_path``)."""

from __future__ import annotations

import os
from pathlib import Path

ONNX_FOLDER = "onnx"  # in a bench / demo output folder: its exports (ONNX and the runtimes' formats)
ENGINE_FOLDER = "engines"  # ... and the TensorRT plans it builds


def artifact_name(stem: str, direction: str, precision: str, suffix: str) -> str:
    """``<checkpoint stem>_<direction>_<precision><suffix>``, e.g. ``demo_shapes_a2b_a2b_fp16.onnx``."""
    return f"{stem}_{direction}_{precision}{suffix}"


def onnx_folder(out: str | os.PathLike[str]) -> Path:
    """The files a bench or demo run exports into its output folder."""
    return Path(out) / ONNX_FOLDER


def engine_folder(out: str | os.PathLike[str]) -> Path:
    """The TensorRT plans a bench run builds from its ONNX files."""
    return Path(out) / ENGINE_FOLDER
