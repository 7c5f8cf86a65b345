"""MNN (``export --format mnn``): the validated ONNX graph through MNN's own converter, then the ``.mnn``
file itself validated against PyTorch on MNN before it is written (no half files), with a sidecar of the
project's schema (``kind: "mnn"``). MNN's CPU backend runs 3x3 convolutions as Winograd transforms, so it
is judged FP32-grade (``WINOGRAD_FP32_GATE``) rather than by max abs error."""

from __future__ import annotations

from dataclasses import replace
from importlib import metadata
from pathlib import Path
from types import MappingProxyType

import onnx

from ..core.fileio import atomic_output
from ..core.gates import WINOGRAD_FP32_GATE
from ..core.metadata import ValidationReport, write_sidecar
from ..core.onnx_contract import inline_norms
from ..core.optional import availability_of, mnn
from ..core.trusted import mark_trusted
from .base import ArtifactFormat, WriteJob
from .mnn_runtime import MnnSession, convert_onnx, temporary_dir


class MnnFormat(ArtifactFormat):
    name = "mnn"
    kind = "mnn"
    suffixes = (".mnn",)
    describes = "an MNN model (export --format mnn)"
    summary = ".mnn for MNN, an edge runtime with Winograd CPU convolutions (fp32)"
    precisions = ("fp32",)
    # Measured: benchmarks/results/mnn_ncnn.md.
    refusal = ("MNN's low-precision mode computes what its fp32 does on x86, and MNN 3.6.1's INT8 quantizer "
               "crashes on the generator")  # fmt: skip
    gates = MappingProxyType({"fp32": WINOGRAD_FP32_GATE})
    winograd = True

    def unavailable_reason(self) -> str | None:
        ok, reason = availability_of(mnn)
        return None if ok else reason

    def write(self, job: WriteJob) -> ValidationReport:
        with temporary_dir() as tmp:
            source = Path(tmp) / "model.onnx"
            model = inline_norms(job.model) if job.model.functions else job.model  # MNN reads no local functions
            onnx.save(model, str(source))
            converted = Path(tmp) / job.path.name
            convert_onnx(source, converted)
            report = job.validate(MnnSession(converted, list(job.record.io.output_names)))
            with atomic_output(job.path) as handle:
                handle.write(converted.read_bytes())
        record = replace(job.record, validation=report, converter=f"MNN {metadata.version('mnn')}")
        described = record.describing(job.path)
        write_sidecar(described, job.path)
        mark_trusted(described.sha256 or "")  # written here: runners load it in-process (core.trusted)
        return report


MNN = MnnFormat()
