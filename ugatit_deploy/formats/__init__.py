"""Artifact formats: one module per kind of model file ugatit-deploy writes and runs (ONNX, TensorRT plan,
MNN, ncnn), each an ``ArtifactFormat`` (``base``). Export, artifact naming, the backend registry, the
Triton repository, the bench's preparation and the sidecar read these entries; adding a format is one
module here and a line in ``registry.FORMATS``.

>>> from ugatit_deploy.formats import FORMATS, format_of
>>> FORMATS["ncnn"].precisions
('fp32', 'int8-cpu')
>>> format_of("exports/m_a2b_fp16.plan").kind
'tensorrt-plan'
"""

from .base import ArtifactFormat, WriteJob
from .registry import CHECKPOINT, FORMATS, artifact_kind, artifact_kinds, format_of, get_format, read_record

__all__ = ["CHECKPOINT", "FORMATS", "ArtifactFormat", "WriteJob", "artifact_kind", "artifact_kinds", "format_of",
           "get_format", "read_record"]  # fmt: skip
