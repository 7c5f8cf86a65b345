"""The backend registry: names, families, artifact kinds, ``open_model`` and its one-line errors."""

from __future__ import annotations

import pytest

from ugatit_deploy.backends import BACKENDS, BackendError, create_backend
from ugatit_deploy.forms import FORMS


def test_unknown_backend_and_missing_files_are_one_line_errors(tmp_path):
    with pytest.raises(BackendError, match="unknown backend 'tflite'"):
        create_backend("tflite", tmp_path / "x")
    with pytest.raises(BackendError, match="ONNX file not found"):
        create_backend("onnxruntime-cpu", tmp_path / "missing.onnx")
    assert set(BACKENDS) == {"torch-cpu", "torch-cuda", "onnxruntime-cpu", "onnxruntime-cuda",
                             "onnxruntime-tensorrt", "openvino-cpu", "mnn-cpu", "ncnn-cpu", "onnxruntime-web",
                             "tensorrt"}  # fmt: skip


def test_openvino_measures_latency_bf16_compute_and_throughput_of_fp32_and_int8_cpu_files():
    spec = BACKENDS["openvino-cpu"]
    assert [(dict(mode.options), mode.compute) for mode in spec.modes] == [
        ({}, ()),
        ({"inference_precision": "bf16"}, ("bf16",)),
        ({"throughput": True}, ("throughput",)),
        ({"throughput": True, "inference_precision": "bf16"}, ("throughput", "bf16")),
    ]
    assert [[form for form in FORMS if mode.runs(form)] for mode in spec.modes[1:]] == [["fp32", "int8-cpu"]] * 3
    assert spec.options == ("threads", "inference_precision", "cache_dir", "throughput")


def test_all_means_every_backend_but_the_browsers_which_is_asked_for_by_name():
    from ugatit_deploy.backends.registry import DEFAULT_BACKENDS, backend_groups

    groups = backend_groups()
    assert "onnxruntime-web" not in DEFAULT_BACKENDS and groups["all"] == DEFAULT_BACKENDS
    assert set(DEFAULT_BACKENDS) == set(BACKENDS) - {"onnxruntime-web"}
    assert groups["browser"] == ("onnxruntime-web",) and "onnxruntime-web" not in groups["cpu"]
