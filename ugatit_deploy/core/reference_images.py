"""Real images for parity checks: the natural photos shipped in the package and synthetic demo
images (circles of the demo dataset), resized with the shared pre-processing."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from ..assets import ASSETS_DIR
from .imaging import image_to_tensor, read_image, resize
from .shapes import random_spec, render

PHOTOS_DIR = ASSETS_DIR / "photos"


def photo_paths() -> list:
    """The bundled natural photos (see assets/photos/SOURCES.md)."""
    return sorted(PHOTOS_DIR.glob("*.png"))


def demo_images(count: int, size: int, seed: int = 2024) -> list[Image.Image]:
    """``count`` held-out circle images of the demo dataset's distribution (domain A)."""
    images = []
    for index in range(count):
        rng = np.random.default_rng([seed, 0, index])
        images.append(Image.fromarray(render(random_spec(rng, "circle", 64), rng, 64)))
    return images


def reference_batch(size: int, demo: int = 4) -> torch.Tensor:
    """The bundled photos plus ``demo`` synthetic images, as N x 3 x size x size in [-1, 1]."""
    pictures = [read_image(p) for p in photo_paths()] + demo_images(demo, size)
    return torch.stack([image_to_tensor(resize(picture, (size, size))) for picture in pictures])


def photo_variants(size: int) -> torch.Tensor:
    """The bundled photos turned by 90 degrees: natural images with the same statistics as the photos in
    ``reference_batch`` but other pixels, for choices (the INT8 layers to keep in float) that the
    benchmark's photos then judge. (Mirrored 75 % crops were measured too smooth a stand-in: INT8 SSIM
    0.986 on them vs 0.978 on the photos; turned full frames track the photos within 0.003.)"""
    turned = [read_image(path).transpose(Image.Transpose.ROTATE_90) for path in photo_paths()]
    return torch.stack([image_to_tensor(resize(picture, (size, size))) for picture in turned])
