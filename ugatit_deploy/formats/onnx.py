"""ONNX: the graph export writes from a checkpoint (the AdaILN function pattern, every precision), with the
record in the file's ``metadata_props`` and in a sidecar. Validated on ONNX Runtime CPU against PyTorch
(``export.validate``) before anything is written; the other formats are converted from this graph."""

from __future__ import annotations

import onnx

from ..core.errors import ExportError
from ..core.fileio import atomic_output
from ..core.metadata import ValidationReport, to_onnx_props, write_sidecar
from ..forms import FORMS
from .base import ArtifactFormat, WriteJob


class OnnxFormat(ArtifactFormat):
    name = "onnx"
    kind = "onnx"
    suffixes = (".onnx",)
    describes = "an ONNX file"
    summary = "<ckpt>_<direction>_<precision>.onnx, for ONNX Runtime, OpenVINO, TensorRT and Triton"
    triton = ("onnxruntime_onnx", "model.onnx")

    @property
    def precisions(self) -> tuple[str, ...]:  # type: ignore[override] - every graph form, read from the registry
        return tuple(FORMS)

    def write(self, job: WriteJob) -> ValidationReport:
        """The graph, already validated on ONNX Runtime (``job.report``), with its record inside and beside it."""
        if job.report is None:  # only a format that quantizes itself goes without (``export.pipeline``)
            raise ExportError(f"{job.path.name}: the graph was not validated; nothing written")
        model = onnx.ModelProto()
        model.CopyFrom(job.model)
        del model.metadata_props[:]
        onnx.helper.set_model_props(model, to_onnx_props(job.record))
        with atomic_output(job.path) as handle:
            handle.write(model.SerializeToString())
        write_sidecar(job.record.describing(job.path), job.path)
        return job.report


ONNX = OnnxFormat()
