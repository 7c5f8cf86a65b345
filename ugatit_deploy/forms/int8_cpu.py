"""int8-cpu: INT8 Q/DQ with uint8 activations, the fast x86 graph for ONNX Runtime and OpenVINO."""

from __future__ import annotations

from .qdq import QdqForm


class Int8Cpu(QdqForm):
    name = "int8-cpu"
    summary = "INT8 Q/DQ with uint8 activations: the fast x86 graph for ONNX Runtime and OpenVINO"
    # 7-bit weights so that it runs right on every x86 CPU class. Measured on the official light generator under
    # ONEDNN_MAX_CPU_ISA=AVX2 (no VNNI kernels), 24 held-out photos: 8-bit weights 36.1 dB / SSIM 0.970
    # (fails), 7-bit 41.5 dB / 0.987, as natively (benchmarks/results/int8_weight_bits_*.md).
    weight_bits = 7
    not_for_tensorrt = "uint8 zero points: TensorRT takes symmetric int8 Q/DQ only (use int8)"
    computes = ("bf16", "throughput")  # OpenVINO: its float layers in bf16; parallel requests
    cpu_candidate = True
