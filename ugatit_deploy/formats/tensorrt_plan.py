"""TensorRT plans (``export --format tensorrt``, or ``build`` from an exported ONNX file): engines built on
the GPU that will run them, from the validated ONNX graph (``tensorrt_build``), strongly typed on TensorRT
11.x and 10.12+, so the ONNX's precision is the engine's. ``export`` writes the ONNX file first (the plan's
sidecar names it and its hash), builds the plan for the model's size (light models: 3/4 to 5/4 of it,
batch 1 to 8), then runs the plan against PyTorch (``tensorrt_runtime``) with the precision's gate; a plan
that misses it is removed. Plans carry no metadata inside: their record is the sidecar."""

from __future__ import annotations

from dataclasses import replace

from ..core.errors import ExportError
from ..core.metadata import ValidationReport, write_sidecar
from ..forms import forms_where
from .base import ArtifactFormat, WriteJob
from .onnx import ONNX
from .tensorrt_build import PLAN_KIND, PLAN_SUFFIX, BuildOptions, build_engine
from .tensorrt_runtime import PlanSession, tensorrt_unavailable_reason


class TensorRtPlanFormat(ArtifactFormat):
    name = "tensorrt"
    kind = PLAN_KIND
    suffixes = (PLAN_SUFFIX, ".engine")
    describes = "a TensorRT plan"
    summary = ".plan, a TensorRT engine built on this GPU from the validated ONNX (fp32, fp16, int8)"
    refusal = "TensorRT takes symmetric INT8 Q/DQ only (int8-cpu has uint8 zero points): use int8"
    triton = ("tensorrt_plan", "model.plan")

    @property
    def precisions(self) -> tuple[str, ...]:  # type: ignore[override] - read from the form registry
        return forms_where(tensorrt=True)

    def unavailable_reason(self) -> str | None:
        return tensorrt_unavailable_reason()

    @staticmethod
    def export_options(size: int, light: bool) -> BuildOptions:
        """The profile ``export --format tensorrt`` builds: batch 1-8, and for light models 3/4 to 5/4 of the
        model's size (the sizes export validation runs), optimised for the size itself."""
        if not light:
            return BuildOptions()
        low, high = (size // 4 * 3, size // 4 * 5)
        return BuildOptions(sizes=((low, low), (size, size), (high, high)))

    def write(self, job: WriteJob) -> ValidationReport:
        onnx_path = job.path.with_suffix(ONNX.suffixes[0])
        ONNX.write(replace(job, path=onnx_path, record=replace(job.record, kind=ONNX.kind)))
        result = build_engine(onnx_path, job.path, self.export_options(job.size, job.record.model.light), job.log)
        record = result.record
        try:
            report = job.validate(PlanSession(job.path, record))
        except ExportError:
            result.engine.unlink(missing_ok=True)
            result.sidecar.unlink(missing_ok=True)
            raise
        write_sidecar(replace(record, validation=report), job.path)
        return report


TENSORRT_PLAN = TensorRtPlanFormat()
