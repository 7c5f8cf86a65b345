"""Shared fixtures: small real checkpoints written the way users' files are written."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from cpp_build import Build, build_runner

from ugatit_deploy.model import Discriminator, GeneratorConfig, ResnetGenerator

TINY = GeneratorConfig(ngf=8, n_blocks=2, img_size=64, light=True)


def randomize_norm_params(generator: ResnetGenerator, seed: int = 0) -> ResnetGenerator:
    """Give rho/gamma/beta non-default values so a test sees every norm term (defaults hide bugs)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in generator.named_parameters():
            if name.endswith(("rho", "gamma", "beta")):
                param.copy_(torch.rand(param.shape, generator=gen) * (2.0 if name.endswith("gamma") else 1.0))
    return generator


def make_generator(config: GeneratorConfig = TINY, seed: int = 0) -> ResnetGenerator:
    torch.manual_seed(seed)
    return randomize_norm_params(config.build(), seed)


def official_checkpoint(config: GeneratorConfig, seed: int = 0, ndf: int = 4) -> dict:
    """The dict the official trainer saves: six state_dicts."""
    a2b, b2a = make_generator(config, seed), make_generator(config, seed + 1)
    torch.manual_seed(seed)
    return {
        "genA2B": a2b.state_dict(),
        "genB2A": b2a.state_dict(),
        "disGA": Discriminator(ndf, 7).state_dict(),
        "disGB": Discriminator(ndf, 7).state_dict(),
        "disLA": Discriminator(ndf, 5).state_dict(),
        "disLB": Discriminator(ndf, 5).state_dict(),
    }


@pytest.fixture
def official_ckpt(tmp_path: Path) -> Path:
    path = tmp_path / "tiny_params_0000002.pt"
    torch.save(official_checkpoint(TINY), path)
    return path


@pytest.fixture
def test_images() -> torch.Tensor:
    """Two 64 px RGB images in [-1, 1] with structure (gradients and a disc), not just noise."""
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, 64), torch.linspace(-1, 1, 64), indexing="ij")
    disc = ((xs - 0.2) ** 2 + (ys + 0.1) ** 2 < 0.25).float()
    first = torch.stack([xs, ys, disc * 2 - 1])
    second = torch.stack([torch.sin(3 * xs), disc - 0.5, torch.cos(2 * ys) * 0.8])
    return torch.stack([first, second]).clamp(-1, 1)


@pytest.fixture(scope="session")
def cpp_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The C++ runner built once per session (tests/cpp_build.py)."""
    return build_runner(tmp_path_factory.mktemp("cpp-build"))
