"""The discriminators (``model.discriminator``): keys, outputs and the official ``weight_orig`` quirk."""

from __future__ import annotations

import torch

from ugatit_deploy.model import Discriminator


def test_local_discriminator_keys_and_outputs_at_256():
    disc = Discriminator(ndf=64, n_layers=5)
    keys = list(disc.state_dict())
    assert keys[:9] == [
        "gap_fc.weight_orig", "gap_fc.weight_u", "gap_fc.weight_v",
        "gmp_fc.weight_orig", "gmp_fc.weight_u", "gmp_fc.weight_v",
        "conv1x1.weight", "conv1x1.bias",
        "conv.weight_orig",
    ]  # fmt: skip
    assert keys[-4:] == ["model.10.bias", "model.10.weight_orig", "model.10.weight_u", "model.10.weight_v"]
    assert tuple(disc.state_dict()["conv1x1.weight"].shape) == (512, 1024, 1, 1)
    with torch.no_grad():
        out, cam_logit, heatmap = disc.eval()(torch.zeros(1, 3, 256, 256))
    assert out.shape == (1, 1, 30, 30) and cam_logit.shape == (1, 2) and heatmap.shape == (1, 1, 31, 31)


def test_global_discriminator_output_at_256():
    disc = Discriminator(ndf=4, n_layers=7).eval()
    with torch.no_grad():
        out, _, _ = disc(torch.zeros(1, 3, 256, 256))
    assert out.shape == (1, 1, 6, 6)
    assert [k for k in disc.state_dict() if k.endswith("weight_orig")] == [
        "gap_fc.weight_orig", "gmp_fc.weight_orig", "conv.weight_orig",
        *[f"model.{i}.weight_orig" for i in (1, 4, 7, 10, 13, 16)],
    ]  # fmt: skip


def test_discriminator_cam_reweights_with_weight_orig_not_the_normalised_weight():
    """Scaling weight_orig leaves the spectrally normalised weight (and so the logits) unchanged, but
    the official code re-weights channels with weight_orig, so the heatmap scales."""
    torch.manual_seed(0)
    disc = Discriminator(ndf=4, n_layers=5).eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        _, logit_before, heat_before = disc(x)
        disc.gap_fc.weight_orig.mul_(3.0)
        disc.gmp_fc.weight_orig.mul_(3.0)
        _, logit_after, heat_after = disc(x)
    torch.testing.assert_close(logit_after, logit_before, rtol=1e-5, atol=1e-6)
    assert not torch.allclose(heat_after, heat_before)
