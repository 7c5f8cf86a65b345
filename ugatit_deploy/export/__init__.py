"""Checkpoint to ONNX / TensorRT export (imported as ``ugatit_deploy.export``).

``export_checkpoint`` writes validated FP32 / FP16 / INT8 ONNX files with the AdaILN graph pattern
(``adailn_pattern``) and a metadata sidecar each (``ugatit_deploy.metadata``).
"""

from ..onnx_contract import inline_norms
from .onnx_graph import ExportError, GraphOptions, export_graph
from .pipeline import PRECISIONS, export_checkpoint

__all__ = ["PRECISIONS", "ExportError", "GraphOptions", "export_checkpoint", "export_graph", "inline_norms"]
