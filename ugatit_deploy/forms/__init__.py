"""Graph forms (what an exported ONNX graph computes: fp32, Winograd, INT8 digits, fp16, INT8 Q/DQ) and the
compute hints a runtime takes (bf16, fp16 autocast, throughput): each declared once, read by every other part.

``transforms/`` holds the graph rewrites the forms are built with (FP16 conversion, INT8 quantization and its
options, the Winograd and INT8-digit forms).
"""

from .base import KERNELS, BuildContext, FormGraph, GraphForm
from .compute import COMPUTE_HINTS, ComputeHint, hints_of, join_hints
from .registry import (
    FORMS,
    REFERENCE_FORM,
    Labelled,
    PrecisionError,
    default_gates,
    default_gates_help,
    forms_help,
    forms_where,
    gates_with,
    get_form,
    kernel_of,
    label,
    label_names,
    lossy_labels,
    parse_forms,
    parse_gates,
)

__all__ = [
    "COMPUTE_HINTS", "FORMS", "KERNELS", "REFERENCE_FORM", "BuildContext", "ComputeHint", "FormGraph", "GraphForm",
    "Labelled", "PrecisionError", "default_gates", "default_gates_help", "forms_help", "forms_where", "gates_with",
    "get_form", "hints_of", "join_hints", "kernel_of", "label", "label_names", "lossy_labels", "parse_forms",
    "parse_gates",
]  # fmt: skip
