"""The PyTorch runner (``torch-cpu`` / ``torch-cuda``): the reference images, channels_last, and the CUDA modes
saying why they cannot run here."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from support.models import TINY, make_generator, reference_outputs

from ugatit_deploy import save_generator
from ugatit_deploy.backends import create_backend
from ugatit_deploy.core.errors import UnavailableError


def test_torch_cpu_backend_computes_the_reference_exactly(tiny, images):
    with create_backend("torch-cpu", tiny["ckpt"]) as backend:
        out = backend.run(images)
    np.testing.assert_array_equal(out, reference_outputs(tiny["ckpt"], images))


def test_torch_channels_last_matches_the_reference(tiny, images):
    with create_backend("torch-cpu", tiny["ckpt"], channels_last=True) as backend:
        out = backend.run(images)
    np.testing.assert_allclose(out, reference_outputs(tiny["ckpt"], images), atol=1e-5)


def test_a_full_model_refuses_other_sizes(tmp_path):
    ckpt = tmp_path / "full.pt"
    save_generator(make_generator(TINY.__class__(ngf=4, n_blocks=1, img_size=64, light=False)), ckpt)
    with create_backend("torch-cpu", ckpt) as backend:
        assert backend.accepts((1, 3, 64, 64)) is None
        assert "only takes 64x64" in backend.accepts((1, 3, 96, 96))


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
