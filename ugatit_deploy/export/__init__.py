"""Checkpoint to validated artifacts (imported as ``ugatit_deploy.export``).

``export_checkpoint`` builds the ONNX graph with the AdaILN graph pattern (``adailn_pattern``), makes each
graph form's graph from it (``ugatit_deploy.forms``: FP32, Winograd, INT8 digits, FP16, INT8 Q/DQ),
validates it against PyTorch (``validate``) and hands it to the artifact format asked for
(``ugatit_deploy.formats``: ONNX, TensorRT plan, MNN, ncnn), which writes it with its sidecar
(``ugatit_deploy.core.metadata``). ``triton`` adds artifacts to a Triton model repository.
"""

from ..core.onnx_contract import inline_norms
from .onnx_graph import ExportError, GraphOptions, export_graph
from .pipeline import PRECISIONS, export_checkpoint

__all__ = ["PRECISIONS", "ExportError", "GraphOptions", "export_checkpoint", "export_graph", "inline_norms"]
