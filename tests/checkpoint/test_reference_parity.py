"""Loaded official-format checkpoints compute what the U-GAT-IT definition says, to within 1e-5."""

from __future__ import annotations

import pytest
import torch
from support.models import official_checkpoint
from support.reference_forward import reference_generator_forward

from ugatit_deploy import load_generator
from ugatit_deploy.model import GeneratorConfig

CONFIGS = [
    GeneratorConfig(ngf=8, n_blocks=4, img_size=64, light=True),
    GeneratorConfig(ngf=8, n_blocks=2, img_size=64, light=False),
    GeneratorConfig(ngf=12, n_blocks=1, img_size=32, light=False),
    GeneratorConfig(ngf=6, n_blocks=3, img_size=48, light=True),
    GeneratorConfig(ngf=4, n_blocks=0, img_size=32, light=True),
]


@pytest.mark.slow
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"ngf{c.ngf}-nb{c.n_blocks}-{c.img_size}-light{c.light}")
@pytest.mark.parametrize("direction", ["a2b", "b2a"])
def test_official_checkpoint_outputs_match_the_float64_reference(tmp_path, test_images, config, direction):
    checkpoint = official_checkpoint(config, seed=3)
    path = tmp_path / "official.pt"
    torch.save(checkpoint, path)
    x = torch.nn.functional.interpolate(test_images, size=(config.img_size,) * 2, mode="bilinear")
    key = {"a2b": "genA2B", "b2a": "genB2A"}[direction]

    generator = load_generator(path, direction=direction)
    with torch.no_grad():
        outputs = generator(x)
    expected = reference_generator_forward(checkpoint[key], x, config.light)

    names = ("image", "cam_logit", "heatmap")
    for name, got, want in zip(names, outputs, expected, strict=True):
        scale = max(1.0, float(want.abs().max()))  # heatmap and logits are not bounded like the image
        error = float((got.double() - want).abs().max()) / scale
        assert error <= 1e-5, f"{name}: max error {error:.2e} (relative to {scale:.1f})"


def test_loaded_generator_is_in_eval_mode_on_the_requested_device(official_ckpt):
    generator = load_generator(official_ckpt, device="cpu")
    assert not generator.training
    assert {p.device.type for p in generator.parameters()} == {"cpu"}
    assert {p.dtype for p in generator.parameters()} == {torch.float32}


@pytest.mark.slow
def test_a2b_and_b2a_are_different_networks(official_ckpt, test_images):
    with torch.no_grad():
        a2b = load_generator(official_ckpt, "a2b")(test_images)[0]
        b2a = load_generator(official_ckpt, "b2a")(test_images)[0]
    assert (a2b - b2a).abs().max() > 1e-3
