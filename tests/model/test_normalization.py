"""adaILN and ILN match a float64 NumPy definition with unbiased variance."""

from __future__ import annotations

import numpy as np
import torch
from support.reference_forward import numpy_ilnorm

from ugatit_deploy.model import ILN, AdaILN, RhoClipper


def _inputs(shape=(3, 6, 5, 7), seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=gen, dtype=torch.float64) * 3 + 1
    rho = torch.rand(1, shape[1], 1, 1, generator=gen, dtype=torch.float64)
    return x, rho


def test_adailn_matches_numpy_float64_with_unbiased_variance():
    x, rho = _inputs()
    gamma, beta = torch.randn(3, 6, dtype=torch.float64), torch.randn(3, 6, dtype=torch.float64)
    norm = AdaILN(6).double()
    with torch.no_grad():
        norm.rho.copy_(rho)
        out = norm(x, gamma, beta).numpy()
    expected = numpy_ilnorm(x.numpy(), rho.numpy()) * gamma.numpy()[:, :, None, None] + beta.numpy()[:, :, None, None]
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)


def test_iln_matches_numpy_float64_with_unbiased_variance():
    x, rho = _inputs(seed=1)
    norm = ILN(6).double()
    with torch.no_grad():
        norm.rho.copy_(rho)
        norm.gamma.uniform_(0.5, 2)
        norm.beta.uniform_(-1, 1)
        out = norm(x).numpy()
        expected = numpy_ilnorm(x.numpy(), rho.numpy()) * norm.gamma.numpy() + norm.beta.numpy()
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)


def test_unbiased_variance_is_not_instance_norms_biased_one():
    """On a 4x4 map the N/(N-1) factor is large: a biased implementation would fail this."""
    x, _ = _inputs(shape=(1, 2, 4, 4))
    norm = ILN(2).double()
    with torch.no_grad():
        norm.rho.fill_(1.0)  # instance statistics only
        ours = norm(x)
    np.testing.assert_allclose(ours.numpy(), numpy_ilnorm(x.numpy(), np.ones((1, 2, 1, 1))), atol=1e-12)
    assert (ours - torch.nn.functional.instance_norm(x)).abs().max() > 1e-2


def test_rho_clipper_clamps_every_rho_into_the_unit_interval():
    model = torch.nn.Sequential(AdaILN(4), ILN(4))
    with torch.no_grad():
        model[0].rho.copy_(torch.tensor([-0.5, 0.2, 1.0, 1.7]).view(1, 4, 1, 1))
        model[1].rho.fill_(3.0)
    model.apply(RhoClipper(0, 1))
    assert model[0].rho.flatten().tolist() == [0.0, 0.20000000298023224, 1.0, 1.0]
    assert torch.all(model[1].rho == 1.0)
