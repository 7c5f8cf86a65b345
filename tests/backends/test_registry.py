"""The backend registry: names, families, artifact kinds, ``open_model`` and its one-line errors."""

from __future__ import annotations

import pytest

from ugatit_deploy.backends import BACKENDS, BackendError, create_backend


def test_unknown_backend_and_missing_files_are_one_line_errors(tmp_path):
    with pytest.raises(BackendError, match="unknown backend 'tflite'"):
        create_backend("tflite", tmp_path / "x")
    with pytest.raises(BackendError, match="ONNX file not found"):
        create_backend("onnxruntime-cpu", tmp_path / "missing.onnx")
    assert set(BACKENDS) == {"torch-cpu", "torch-cuda", "onnxruntime-cpu", "onnxruntime-cuda",
                             "onnxruntime-tensorrt", "openvino-cpu", "mnn-cpu", "ncnn-cpu", "tensorrt"}  # fmt: skip


def test_openvino_measures_latency_bf16_compute_and_throughput_of_fp32_and_int8_cpu_files():
    spec = BACKENDS["openvino-cpu"]
    files = ("fp32", "int8-cpu")
    assert [(dict(mode.options), mode.for_precisions) for mode in spec.modes] == [
        ({}, ()),
        ({"inference_precision": "bf16"}, files),
        ({"throughput": True}, files),
        ({"throughput": True, "inference_precision": "bf16"}, files),
    ]
    assert spec.options == ("threads", "inference_precision", "cache_dir", "throughput")
