"""The generator (``model.generator``) reproduces the official module tree: keys, shapes, flags, init values, sizes."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from ugatit_deploy.model import ILN, AdaILN, GeneratorConfig, ResnetGenerator
from ugatit_deploy.model.cost import count_parameters

# The official state_dict of ResnetGenerator(ngf=64, n_blocks=4, img_size=256, light=False), in order.
DEFAULT_KEYS = [
    ("gap_fc.weight", (1, 256)),
    ("gmp_fc.weight", (1, 256)),
    ("conv1x1.weight", (256, 512, 1, 1)),
    ("conv1x1.bias", (256,)),
    ("gamma.weight", (256, 256)),
    ("beta.weight", (256, 256)),
    *[
        item
        for i in range(1, 5)
        for item in (
            (f"UpBlock1_{i}.conv1.weight", (256, 256, 3, 3)),
            (f"UpBlock1_{i}.norm1.rho", (1, 256, 1, 1)),
            (f"UpBlock1_{i}.conv2.weight", (256, 256, 3, 3)),
            (f"UpBlock1_{i}.norm2.rho", (1, 256, 1, 1)),
        )
    ],
    ("DownBlock.1.weight", (64, 3, 7, 7)),
    ("DownBlock.5.weight", (128, 64, 3, 3)),
    ("DownBlock.9.weight", (256, 128, 3, 3)),
    *[
        item
        for i in range(12, 16)
        for item in (
            (f"DownBlock.{i}.conv_block.1.weight", (256, 256, 3, 3)),
            (f"DownBlock.{i}.conv_block.5.weight", (256, 256, 3, 3)),
        )
    ],
    ("FC.0.weight", (256, 1048576)),
    ("FC.2.weight", (256, 256)),
    ("UpBlock2.2.weight", (128, 256, 3, 3)),
    ("UpBlock2.3.rho", (1, 128, 1, 1)),
    ("UpBlock2.3.gamma", (1, 128, 1, 1)),
    ("UpBlock2.3.beta", (1, 128, 1, 1)),
    ("UpBlock2.7.weight", (64, 128, 3, 3)),
    ("UpBlock2.8.rho", (1, 64, 1, 1)),
    ("UpBlock2.8.gamma", (1, 64, 1, 1)),
    ("UpBlock2.8.beta", (1, 64, 1, 1)),
    ("UpBlock2.11.weight", (3, 64, 7, 7)),
]


def shapes(config: GeneratorConfig) -> list[tuple[str, tuple[int, ...]]]:
    return list(config.state_dict_shapes().items())


def test_default_generator_state_dict_is_the_official_key_list():
    assert len(DEFAULT_KEYS) == 44
    assert shapes(GeneratorConfig()) == DEFAULT_KEYS


def test_light_generator_differs_only_in_the_first_mlp_layer():
    expected = [(k, (256, 256) if k == "FC.0.weight" else s) for k, s in DEFAULT_KEYS]
    assert shapes(GeneratorConfig(light=True)) == expected


@pytest.mark.parametrize("n_blocks", [0, 1, 2, 6, 9])
def test_each_block_adds_two_encoder_and_four_decoder_keys(n_blocks):
    keys = [k for k, _ in shapes(GeneratorConfig(n_blocks=n_blocks, light=True))]
    assert len(keys) == 20 + 6 * n_blocks
    assert sum(k.startswith("UpBlock1_") for k in keys) == 4 * n_blocks


def test_parameter_totals_at_256():
    assert count_parameters(GeneratorConfig(light=False).build("meta")) == 278_959_808
    assert count_parameters(GeneratorConfig(light=True).build("meta")) == 10_589_888


def test_generator_has_no_buffers_and_only_conv1x1_has_a_bias():
    model = GeneratorConfig(ngf=8, light=True).build()
    assert list(model.buffers()) == []
    biased = [name for name, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear)) and m.bias is not None]
    assert biased == ["conv1x1"]


def test_every_generator_conv_is_reflection_padded_with_zero_padding():
    model = GeneratorConfig(ngf=8, light=True).build()
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    assert all(m.padding == (0, 0) for m in convs)
    assert sum(isinstance(m, nn.ReflectionPad2d) for m in model.modules()) == len(convs) - 1  # not conv1x1


def test_instance_norms_own_no_state():
    model = GeneratorConfig(ngf=8, light=True).build()
    norms = [m for m in model.modules() if isinstance(m, nn.InstanceNorm2d)]
    assert len(norms) == 3 + 2 * 4
    assert all(not m.affine and not m.track_running_stats and m.eps == 1e-5 for m in norms)


def test_initial_norm_values():
    model = GeneratorConfig(ngf=8, light=True).build()
    ada = [m for m in model.modules() if isinstance(m, AdaILN)]
    iln = [m for m in model.modules() if isinstance(m, ILN)]
    assert len(ada) == 8 and len(iln) == 2
    assert all(torch.all(m.rho == 0.9) and m.eps == 1e-5 for m in ada)
    assert all(torch.all(m.rho == 0) and torch.all(m.gamma == 1) and torch.all(m.beta == 0) for m in iln)


@pytest.mark.parametrize("size", [32, 64, 92])
def test_light_generator_runs_at_any_multiple_of_4(size):
    model = GeneratorConfig(ngf=4, n_blocks=1, light=True).build().eval()
    with torch.no_grad():
        image, cam_logit, heatmap = model(torch.rand(2, 3, size, size) * 2 - 1)
    assert image.shape == (2, 3, size, size)
    assert cam_logit.shape == (2, 2)
    assert heatmap.shape == (2, 1, size // 4, size // 4)
    assert image.abs().max() <= 1


def test_full_generator_rejects_another_size_with_a_clear_message():
    model = ResnetGenerator(ngf=4, n_blocks=1, img_size=32, light=False)
    with pytest.raises(ValueError, match="only takes 32x32 inputs, got 64x64"):
        model(torch.zeros(1, 3, 64, 64))


@pytest.mark.parametrize("img_size", [0, 30, 257])
def test_generator_rejects_sizes_that_are_not_multiples_of_4(img_size):
    with pytest.raises(ValueError, match="multiple of 4"):
        ResnetGenerator(ngf=4, n_blocks=1, img_size=img_size)
