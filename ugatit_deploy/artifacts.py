"""Artifact naming and folder rules, defined once: export, bench, the main job, the CPU fast path and
``build`` all name files through these functions (the sidecar rule, ``<artifact>.json``, is part of the
metadata schema: ``ugatit_deploy.metadata.sidecar_path``)."""

from __future__ import annotations

import os
from pathlib import Path

ONNX_SUFFIX = ".onnx"
MNN_SUFFIX = ".mnn"
NCNN_SUFFIX = ".ncnn.param"  # the artifact; its weights are the .ncnn.bin beside it
PLAN_SUFFIX = ".plan"
# What `export --format` writes: one file per artifact, named <checkpoint>_<direction>_<precision><suffix>.
FORMATS = {"onnx": ONNX_SUFFIX, "mnn": MNN_SUFFIX, "ncnn": NCNN_SUFFIX}
PLAN_SUFFIXES = (".plan", ".engine")  # what `infer` recognises as a TensorRT plan without a sidecar
ONNX_FOLDER = "onnx"  # in a bench / demo output folder
ENGINE_FOLDER = "engines"


def onnx_name(stem: str, direction: str, precision: str) -> str:
    """``<checkpoint stem>_<direction>_<precision>.onnx``, e.g. ``demo_shapes_a2b_a2b_fp16.onnx``."""
    return f"{stem}_{direction}_{precision}{ONNX_SUFFIX}"


def onnx_path(folder: str | os.PathLike[str], checkpoint: str | os.PathLike[str], direction: str,
              precision: str, fmt: str = "onnx") -> Path:  # fmt: skip
    """Where ``export`` writes one precision of ``checkpoint`` in ``folder`` (``fmt``: a key of FORMATS)."""
    return Path(folder) / onnx_name(Path(checkpoint).stem, direction, precision).replace(ONNX_SUFFIX, FORMATS[fmt])


def onnx_folder(out: str | os.PathLike[str]) -> Path:
    """The ONNX files a bench or demo run exports into its output folder."""
    return Path(out) / ONNX_FOLDER


def engine_path(onnx: str | os.PathLike[str], engine: str | os.PathLike[str] | None = None) -> Path:
    """``build``'s plan file: ``engine`` if given, else the ONNX file's name with ``.plan``."""
    return Path(engine) if engine is not None else Path(onnx).with_suffix(PLAN_SUFFIX)


def bench_engine_path(out: str | os.PathLike[str], onnx: str | os.PathLike[str]) -> Path:
    """The plan a bench run builds from one of its ONNX files."""
    return Path(out) / ENGINE_FOLDER / f"{Path(onnx).stem}{PLAN_SUFFIX}"
