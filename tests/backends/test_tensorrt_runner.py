"""The TensorRT runner without TensorRT: plans that cannot run here say why."""

from __future__ import annotations

import importlib.util
import sys

import pytest
import torch
from support.fake_tensorrt import make_fake_tensorrt
from support.records import artifact_record, plan_build

from ugatit_deploy.backends import BackendError, create_backend, tensorrt_runner
from ugatit_deploy.core.limits import LimitError
from ugatit_deploy.core.metadata import read_sidecar, write_sidecar
from ugatit_deploy.formats import tensorrt_runtime


def _fake_plan(tmp_path, **tensorrt_fields):
    plan = tmp_path / "model.plan"
    plan.write_bytes(b"PLAN")
    write_sidecar(artifact_record("tensorrt-plan", "fp16", tensorrt=plan_build(**tensorrt_fields)), plan)
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
    monkeypatch.setattr(tensorrt_runtime, "cuda_unavailable_reason", lambda: None)
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


@pytest.fixture
def tensorrt_here(monkeypatch):
    """A fake TensorRT 10.15.1 on an sm 9.0 GPU: availability passes, so ``load`` runs."""
    monkeypatch.setitem(sys.modules, "tensorrt", make_fake_tensorrt("10.15.1"))
    monkeypatch.setattr(tensorrt_runtime, "cuda_unavailable_reason", lambda: None)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda _device=None: (9, 0))


def test_a_damaged_plan_is_refused_before_tensorrt_deserializes_it(tmp_path, tensorrt_here, monkeypatch):
    plan = _fake_plan(tmp_path)
    write_sidecar(read_sidecar(plan).describing(plan), plan)
    plan.write_bytes(b"PLAn")  # same size, one byte changed
    monkeypatch.setattr(tensorrt_runner, "PlanEngine", lambda *_: pytest.fail("TensorRT read a damaged plan"))
    with pytest.raises(BackendError, match="model.plan is missing or does not match the sha256 its sidecar records"):
        create_backend("tensorrt", plan).load()


def test_a_plan_profile_over_the_batch_limit_is_refused(tmp_path, tensorrt_here):
    plan = _fake_plan(tmp_path, profile={"min": (1, 3, 64, 64), "opt": (1, 3, 64, 64), "max": (4096, 3, 64, 64)})
    write_sidecar(read_sidecar(plan).describing(plan), plan)
    with pytest.raises(LimitError, match=r"tensorrt.profile.max batch is 4096: over the limit of 64"):
        create_backend("tensorrt", plan).load()
