"""int8: INT8 Q/DQ with symmetric activations (zero points 0), the graph TensorRT takes."""

from __future__ import annotations

from .qdq import QdqForm


class Int8(QdqForm):
    name = "int8"
    summary = "INT8 Q/DQ, symmetric (zero points 0): the graph TensorRT takes"
    symmetric = True
    weight_bits = 8  # TensorRT's int8 kernels sum in 32 bits
