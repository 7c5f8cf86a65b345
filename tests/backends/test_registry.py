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
