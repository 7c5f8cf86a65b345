"""The backend interface: every runner computes the reference images, and one that cannot run here
says why instead of crashing."""

from __future__ import annotations

import importlib.util
import json
import sys

import numpy as np
import onnx
import pytest
import torch
from conftest import TINY, make_generator
from fake_tensorrt import make_fake_tensorrt

from ugatit_deploy import load_generator, save_generator
from ugatit_deploy.backends import BACKENDS, BackendError, create_backend, torch_runner
from ugatit_deploy.errors import UnavailableError
from ugatit_deploy.export import GraphOptions, export_checkpoint
from ugatit_deploy.metadata import MetadataError, sidecar_path
from ugatit_deploy.reference_images import reference_batch


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("backends")
    ckpt = root / "tiny.pt"
    save_generator(make_generator(TINY), ckpt)
    (fp32,) = export_checkpoint(ckpt, out=root, log=lambda _: None)
    (static,) = export_checkpoint(ckpt, out=root / "static.onnx", options=GraphOptions(dynamic_batch=False),
                                  log=lambda _: None)  # fmt: skip
    return {"ckpt": ckpt, "fp32": fp32, "static": static}


@pytest.fixture(scope="module")
def images():
    return reference_batch(64).numpy()[:3]


def _reference(ckpt, images):
    with torch.no_grad():
        return load_generator(ckpt)(torch.from_numpy(images))[0].numpy()


def test_torch_cpu_backend_computes_the_reference_exactly(tiny, images):
    with create_backend("torch-cpu", tiny["ckpt"]) as backend:
        out = backend.run(images)
    np.testing.assert_array_equal(out, _reference(tiny["ckpt"], images))


def test_torch_channels_last_matches_the_reference(tiny, images):
    with create_backend("torch-cpu", tiny["ckpt"], channels_last=True) as backend:
        out = backend.run(images)
    np.testing.assert_allclose(out, _reference(tiny["ckpt"], images), atol=1e-5)


def test_onnxruntime_cpu_backend_matches_torch_within_1e4(tiny, images):
    with create_backend("onnxruntime-cpu", tiny["fp32"], threads=1) as backend:
        assert backend.info.precision == "fp32"
        out = backend.run(images)
    assert out.shape == images.shape and out.dtype == np.float32
    assert np.abs(out - _reference(tiny["ckpt"], images)).max() <= 1e-4


def test_run_is_stage_execute_fetch(tiny, images):
    with create_backend("onnxruntime-cpu", tiny["fp32"]) as backend:
        staged = backend.stage(images)
        split = backend.fetch(backend.execute(staged))
        np.testing.assert_array_equal(split, backend.run(images))


def test_a_static_batch_onnx_refuses_other_batches(tiny):
    with create_backend("onnxruntime-cpu", tiny["static"]) as backend:
        assert backend.accepts((1, 3, 64, 64)) is None
        assert "static batch of 1" in backend.accepts((2, 3, 64, 64))


def test_a_full_model_refuses_other_sizes(tmp_path):
    ckpt = tmp_path / "full.pt"
    save_generator(make_generator(TINY.__class__(ngf=4, n_blocks=1, img_size=64, light=False)), ckpt)
    with create_backend("torch-cpu", ckpt) as backend:
        assert backend.accepts((1, 3, 64, 64)) is None
        assert "only takes 64x64" in backend.accepts((1, 3, 96, 96))


def test_run_rejects_a_batch_that_is_not_bx3xhxw(tiny):
    with create_backend("torch-cpu", tiny["ckpt"]) as backend, pytest.raises(BackendError, match="B x 3 x H x W"):
        backend.run(np.zeros((3, 64, 64), np.float32))


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present")
@pytest.mark.parametrize(
    ("name", "artifact", "options", "reason"),
    [
        ("torch-cuda", "ckpt", {}, "CPU-only build" if torch.version.cuda is None else "no CUDA device"),
        ("torch-cpu", "ckpt", {"precision": "fp16"}, "fp16 autocast is a CUDA mode"),
        ("torch-cpu", "ckpt", {"cuda_graphs": True}, "CUDA graphs need a CUDA device"),
    ],
)
def test_torch_modes_missing_here_are_unavailable_with_a_reason(tiny, name, artifact, options, reason):
    backend = create_backend(name, tiny[artifact], **options)
    status = backend.availability()
    assert not status.ok and reason in status.reason
    with pytest.raises(UnavailableError, match=reason):
        backend.load()


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


def _fake_plan(tmp_path, **tensorrt_fields):
    plan = tmp_path / "model.plan"
    plan.write_bytes(b"PLAN")
    record = {"schema": "ugatit-deploy/artifact", "schema_version": 1, "kind": "tensorrt-plan", "precision": "fp16",
              "tensorrt": {"version": "10.15.1", "compute_capability": "9.0", "gpu": "NVIDIA H200",
                           "profile": {"min": [1, 3, 64, 64], "opt": [1, 3, 64, 64], "max": [8, 3, 64, 64]},
                           **tensorrt_fields}}  # fmt: skip
    sidecar_path(plan).write_text(json.dumps(record))
    return plan


@pytest.mark.skipif(importlib.util.find_spec("tensorrt") is not None, reason="TensorRT is installed here")
def test_tensorrt_missing_here_is_unavailable(tmp_path):
    status = create_backend("tensorrt", _fake_plan(tmp_path)).availability()
    assert not status.ok and "TensorRT is not installed" in status.reason


@pytest.mark.parametrize(
    ("fields", "here", "reason"),
    [
        ({}, (8, 0), "engine built for sm 9.0 (NVIDIA H200), this GPU is sm 8.0"),
        ({"hardware_compat": "ampere+"}, (8, 0), None),
        ({"version": "10.3.0"}, (9, 0), "engine built with TensorRT 10.3.0, this is 10.15.1"),
        ({"version": "10.3.0", "version_compatible": True}, (9, 0), None),
    ],
)
def test_tensorrt_engines_for_another_gpu_or_version_are_unavailable(tmp_path, monkeypatch, fields, here, reason):
    monkeypatch.setitem(sys.modules, "tensorrt", make_fake_tensorrt("10.15.1"))
    monkeypatch.setattr(torch_runner, "cuda_unavailable_reason", lambda: None)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda _device=None: here)
    status = create_backend("tensorrt", _fake_plan(tmp_path, **fields)).availability()
    assert status.ok == (reason is None)
    if reason:
        assert reason in status.reason


def test_a_plan_without_sidecar_or_of_another_kind_is_refused(tmp_path, tiny):
    plan = tmp_path / "bare.plan"
    plan.write_bytes(b"PLAN")
    with pytest.raises(BackendError, match="no metadata sidecar"):
        create_backend("tensorrt", plan)
    with pytest.raises(BackendError, match="not a TensorRT plan"):
        create_backend("tensorrt", tiny["fp32"])


def test_unknown_backend_and_missing_files_are_one_line_errors(tmp_path):
    with pytest.raises(BackendError, match="unknown backend 'tflite'"):
        create_backend("tflite", tmp_path / "x")
    with pytest.raises(BackendError, match="ONNX file not found"):
        create_backend("onnxruntime-cpu", tmp_path / "missing.onnx")
    assert set(BACKENDS) == {"torch-cpu", "torch-cuda", "onnxruntime-cpu", "onnxruntime-cuda",
                             "onnxruntime-tensorrt", "openvino-cpu", "mnn-cpu", "ncnn-cpu", "tensorrt"}  # fmt: skip


def test_an_onnx_that_is_not_ours_is_refused(tmp_path):
    path = tmp_path / "foreign.onnx"
    graph = onnx.helper.make_graph([onnx.helper.make_node("Identity", ["x"], ["y"])], "g",
                                   [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1])],
                                   [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])])  # fmt: skip
    onnx.save(onnx.helper.make_model(graph), path)
    with pytest.raises(MetadataError, match="no ugatit-deploy metadata"):
        create_backend("onnxruntime-cpu", path)
