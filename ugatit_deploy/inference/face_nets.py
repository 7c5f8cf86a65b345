"""The face detector's three networks (MTCNN P-Net, R-Net, O-Net) on a CPU runtime: OpenVINO where it is
installed, compiled as the C++ runner compiles them (cpp/src/face_nets_ov.cpp: latency hint, one stream, float32
inference), so that both languages find the same faces to the last bit; ONNX Runtime's CPU provider otherwise.

Measured on the same photos: the two runtimes' landmarks differ by up to 2e-5 px, which moves a few pixels of a
face's crop by one level, which an INT8 generator can turn into 20 levels of the pasted face; with the same
runtime, Python's and the C++ runner's faces.jsonl and pixels are identical (tests/cpp/test_faces.py).
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np

from ..core.optional import onnxruntime, openvino

RUNTIMES = ("openvino", "onnxruntime")


def default_runtime() -> str:
    """OpenVINO where it is installed (the C++ runner's), else ONNX Runtime."""
    return "openvino" if importlib.util.find_spec("openvino") is not None else "onnxruntime"


class FaceNets:
    """``run(stage, batch) -> outputs`` for stage 0 (P-Net), 1 (R-Net), 2 (O-Net), outputs in the ONNX order."""

    def __init__(self, models: list[bytes], runtime: str | None = None, threads: int | None = None) -> None:
        self.runtime = runtime or default_runtime()
        if self.runtime not in RUNTIMES:
            raise ValueError(f"the face detector runs on {' or '.join(RUNTIMES)}, not {self.runtime!r}")
        self.nets = [self._openvino(m, threads) if self.runtime == "openvino" else self._ort(m, threads)
                     for m in models]  # fmt: skip

    @staticmethod
    def _openvino(model: bytes, threads: int | None) -> Any:
        ov = openvino()
        core = ov.Core()
        properties: dict[str, Any] = {"PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": "1",
                                      "INFERENCE_PRECISION_HINT": "f32"}  # fmt: skip
        if threads:
            properties["INFERENCE_NUM_THREADS"] = threads
        compiled = core.compile_model(core.read_model(model, ov.Tensor(np.zeros(0, np.uint8))), "CPU", properties)
        return compiled.create_infer_request()

    @staticmethod
    def _ort(model: bytes, threads: int | None) -> Any:
        ort = onnxruntime()
        options = ort.SessionOptions()
        options.log_severity_level = 3
        if threads:
            options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def run(self, stage: int, batch: np.ndarray) -> list[np.ndarray]:
        net = self.nets[stage]
        if self.runtime == "openvino":
            net.infer({0: batch})
            return [net.get_output_tensor(i).data.copy() for i in range(len(net.model_outputs))]
        return net.run(None, {net.get_inputs()[0].name: batch})
