"""Optional runtimes (``core.optional``): imported lazily, and when missing, one line that says how to install."""

from __future__ import annotations

import builtins
import re

import pytest
import torch

from ugatit_deploy.core import optional
from ugatit_deploy.core.errors import UnavailableError


@pytest.mark.parametrize(("loader", "hint"), [
    (optional.onnxruntime, "pip install 'ugatit-deploy[cpu]'"),
    (optional.openvino, "pip install 'ugatit-deploy[openvino]'"),
    (optional.mnn, "pip install 'ugatit-deploy[mnn]'"),
    (optional.ncnn, "pip install 'ugatit-deploy[ncnn]'"),
    (optional.pnnx, "pip install 'ugatit-deploy[ncnn]'"),
    (optional.tritonclient_grpc, "pip install 'ugatit-deploy[serve]'"),
])  # fmt: skip
def test_a_missing_runtime_is_one_line_with_its_install_hint(monkeypatch, loader, hint):
    real_import = builtins.__import__

    def no_such_module(name, *args, **kwargs):
        if name.split(".")[0] in ("onnxruntime", "openvino", "MNN", "ncnn", "pnnx", "tritonclient"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_such_module)
    monkeypatch.setattr(optional.importlib, "import_module", lambda name: no_such_module(name))
    with pytest.raises(UnavailableError, match=re.escape(hint)) as caught:
        loader()
    assert caught.value.exit_code == 2 and "\n" not in str(caught.value)
    assert optional.availability_of(loader) == (False, str(caught.value))


def test_an_installed_runtime_is_available():
    assert optional.availability_of(optional.onnxruntime) == (True, "")


def test_mnn_is_imported_without_its_cpu_probe_on_stdout(capfd):
    optional.mnn()
    assert capfd.readouterr().out == ""


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is visible")
def test_without_a_gpu_the_cuda_check_says_why():
    reason = optional.cuda_unavailable_reason()
    assert reason in (f"torch {torch.__version__} is a CPU-only build", "no CUDA device is visible")
