"""The ONNX Runtime runner: parity with PyTorch, static batches, the GPU providers and a missing ONNX Runtime
saying why they cannot run, and ONNX files that are not ours."""

from __future__ import annotations

import sys

import numpy as np
import onnx
import pytest
import torch
from support.models import reference_outputs

from ugatit_deploy.backends import BackendError, create_backend


def test_onnxruntime_cpu_backend_matches_torch_within_1e4(tiny, images):
    with create_backend("onnxruntime-cpu", tiny["fp32"], threads=1) as backend:
        assert backend.info.precision == "fp32"
        out = backend.run(images)
    assert out.shape == images.shape and out.dtype == np.float32
    assert np.abs(out - reference_outputs(tiny["ckpt"], images)).max() <= 1e-4


def test_a_static_batch_onnx_refuses_other_batches(tiny):
    with create_backend("onnxruntime-cpu", tiny["static"]) as backend:
        assert backend.accepts((1, 3, 64, 64)) is None
        assert "static batch of 1" in backend.accepts((2, 3, 64, 64))


@pytest.mark.parametrize("provider", ["cuda", "tensorrt"])
def test_onnxruntime_gpu_providers_missing_here_are_unavailable(tiny, provider):
    import onnxruntime as ort

    wanted = {"cuda": "CUDAExecutionProvider", "tensorrt": "TensorrtExecutionProvider"}[provider]
    if wanted in ort.get_available_providers() and torch.cuda.is_available():
        pytest.skip(f"{wanted} is available here")
    status = create_backend(f"onnxruntime-{provider}", tiny["fp32"]).availability()
    assert not status.ok
    assert wanted in status.reason or "CUDA" in status.reason


def test_missing_onnxruntime_is_unavailable_with_the_install_hint(tiny, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # makes `import onnxruntime` fail
    status = create_backend("onnxruntime-cpu", tiny["fp32"]).availability()
    assert not status.ok and "pip install 'ugatit-deploy[cpu]'" in status.reason


def test_an_onnx_that_is_not_ours_is_refused(tmp_path):
    path = tmp_path / "foreign.onnx"
    graph = onnx.helper.make_graph([onnx.helper.make_node("Identity", ["x"], ["y"])], "g",
                                   [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1])],
                                   [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])])  # fmt: skip
    onnx.save(onnx.helper.make_model(graph), path)
    with pytest.raises(BackendError, match="no ugatit-deploy metadata"):
        create_backend("onnxruntime-cpu", path)
