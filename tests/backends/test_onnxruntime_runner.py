"""The ONNX Runtime runner: parity with PyTorch, static batches, the GPU providers and a missing ONNX Runtime
saying why they cannot run, and ONNX files that are not ours."""

from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np
import onnx
import pytest
import torch
from support.hostile_models import crafted, damaged, fix_input_dims, flip_middle_byte, rename_output
from support.models import reference_outputs

from ugatit_deploy.backends import BackendError, create_backend
from ugatit_deploy.core.limits import LimitError
from ugatit_deploy.core.metadata import read_sidecar, write_sidecar


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


# --- hostile and damaged files (issue 23: P2, integrity, limits) ---


def test_fixed_input_dims_of_100000_are_refused_by_the_model_size_limit(tiny, tmp_path):
    path = crafted(tiny["fp32"], tmp_path / "huge.onnx", fix_input_dims(1, 3, 100000, 100000))
    backend = create_backend("onnxruntime-cpu", path)
    with pytest.raises(LimitError, match=r"huge.onnx: graph input 'input' size is 100000: over the limit of 1024 "
                       r"\(raise it with --max-model-size or UGATIT_MAX_MODEL_SIZE\)"):  # fmt: skip
        backend.load()


def test_a_graph_without_an_output_named_output_is_refused_at_load(tiny, tmp_path):
    path = crafted(tiny["fp32"], tmp_path / "renamed.onnx", rename_output("image"))
    with pytest.raises(BackendError, match="not a U-GAT-IT generator graph: it needs one input and an output named"):
        create_backend("onnxruntime-cpu", path).load()


def test_an_input_the_graph_fails_on_at_run_time_is_one_backend_error(tiny):
    with create_backend("onnxruntime-cpu", tiny["fp32"], threads=1) as backend:
        with pytest.raises(BackendError, match=r"^onnxruntime cannot run tiny_a2b_fp32.onnx: .*Pad") as caught:
            backend.run(np.zeros((1, 3, 2, 2), np.float32))  # reflection padding of 3 on a 2-pixel image
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("change", [flip_middle_byte, lambda data: data[:-100]], ids=["one-byte", "truncated"])
def test_a_damaged_onnx_is_refused_by_its_sidecar_hash_before_onnx_runtime_reads_it(tiny, tmp_path, change):
    path = damaged(tiny["fp32"], tmp_path / "damaged.onnx", change)
    with pytest.raises(BackendError, match="damaged.onnx is missing or does not match the sha256 its sidecar records"):
        create_backend("onnxruntime-cpu", path).load()


def test_a_sidecar_declaring_img_size_4096_is_refused_unless_the_limit_is_raised(tiny, tmp_path, monkeypatch):
    path = tmp_path / "big.onnx"
    path.write_bytes(tiny["fp32"].read_bytes())
    record = read_sidecar(tiny["fp32"])
    write_sidecar(replace(record, model=replace(record.model, img_size=4096)), path)
    with pytest.raises(LimitError, match="big.onnx: model.img_size is 4096: over the limit of 1024"):
        create_backend("onnxruntime-cpu", path)
    monkeypatch.setenv("UGATIT_MAX_MODEL_SIZE", "4096")
    assert create_backend("onnxruntime-cpu", path).img_size == 4096
