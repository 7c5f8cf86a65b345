"""Minimal valid artifact records for tests that need a sidecar but not a real export."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from support.models import TINY
from ugatit_deploy.core.metadata import (
    ArtifactRecord,
    IoSpec,
    ModelSpec,
    Quantization,
    SourceCheckpoint,
    TensorRtBuild,
    TensorSpec,
)
from ugatit_deploy.core.onnx_contract import dim_names


def artifact_record(kind: str = "onnx", precision: str = "fp32", keep_fp: tuple[str, ...] = (),
                    **changes: Any) -> ArtifactRecord:  # fmt: skip
    """The record of a TINY model's artifact of ``kind`` at ``precision``; ``keep_fp`` names extra float layers
    (an INT8 record then gets a quantization part); ``changes`` replace any other field."""
    dims = dim_names(TINY.light, True, TINY.img_size)
    record = ArtifactRecord(
        kind=kind, precision=precision, normalization="adailn-function", direction="a2b",
        model=ModelSpec.from_dict(TINY.to_dict()),
        io=IoSpec(TensorSpec("input", tuple(dims["input"]), "float32", (-1.0, 1.0)),
                  (TensorSpec("output", tuple(dims["output"]), "float32"),)),
        source=SourceCheckpoint("tiny.pt", "0" * 64, "ugatit-deploy/generator"), opset=18,
    )  # fmt: skip
    if keep_fp:
        record = replace(record, quantization=Quantization(precision, keep_fp, keep_fp, "test images"))
    return replace(record, **changes)


def plan_build(**changes: Any) -> TensorRtBuild:
    """A plan's TensorRT build record: TensorRT 10.15.1 on an H200 (sm 9.0), batch 1-8 at 64 px."""
    build = TensorRtBuild(
        version="10.15.1", gpu="NVIDIA H200", compute_capability="9.0", strongly_typed=True, builder_flags=(),
        profile={"min": (1, 3, 64, 64), "opt": (1, 3, 64, 64), "max": (8, 3, 64, 64)}, opt_level=3,
        version_compatible=False, hardware_compat="none", onnx="model.onnx", onnx_sha256="0" * 64, trtexec="trtexec",
    )  # fmt: skip
    return replace(build, **changes)
