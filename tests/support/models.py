"""Small real generators and checkpoints written the way users' files are written (shared by the tests;
the fixtures that use them are in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ugatit_deploy.model import Discriminator, GeneratorConfig, ResnetGenerator

TINY = GeneratorConfig(ngf=8, n_blocks=2, img_size=64, light=True)
TINY_FULL = GeneratorConfig(ngf=8, n_blocks=2, img_size=64, light=False)
SMALL = GeneratorConfig(ngf=4, n_blocks=1, img_size=64, light=True)  # the smallest exports (TensorRT build tests)
SMALL_FULL = GeneratorConfig(ngf=4, n_blocks=1, img_size=64, light=False)


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


def reference_outputs(checkpoint: Path, images: np.ndarray) -> np.ndarray:
    """The PyTorch FP32 images of a checkpoint's a2b generator for a batch (the reference every runner meets)."""
    from ugatit_deploy import load_generator

    with torch.no_grad():
        return load_generator(checkpoint)(torch.from_numpy(images))[0].numpy()


def demo_reference(image_file: Path) -> torch.Tensor:
    """The built-in demo model's PyTorch FP32 translation of one image file (the shared pre-processing)."""
    from ugatit_deploy import load_generator
    from ugatit_deploy.assets import shapes_model_path
    from ugatit_deploy.core.imaging import preprocess

    with torch.no_grad():
        return load_generator(shapes_model_path())(preprocess(image_file, 64))[0]
