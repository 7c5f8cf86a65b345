"""The built-in model (``photo2cartoon.pt``): a small light generator at 256 px that really cartoonizes photos."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from ugatit_deploy import inspect_checkpoint, load_generator
from ugatit_deploy.assets import default_model_path
from ugatit_deploy.core.imaging import image_to_tensor, tensor_to_uint8
from ugatit_deploy.core.reference_images import photo_paths
from ugatit_deploy.training.cartoon_trainer import cam_logits
from ugatit_deploy.training.task_score import cartoons_of, task_score

pytestmark = pytest.mark.slow  # its fixtures export or train (seconds each): not the inner loop


@pytest.fixture(scope="module")
def generator():
    return load_generator(default_model_path(), "a2b").eval()


@pytest.fixture(scope="module")
def photos() -> np.ndarray:
    return np.stack([np.asarray(Image.open(p).convert("RGB")) for p in photo_paths()])  # 256 x 256 each


@pytest.fixture(scope="module")
def outputs(generator, photos) -> np.ndarray:
    with torch.inference_mode():
        return tensor_to_uint8(generator(torch.stack([image_to_tensor(Image.fromarray(p)) for p in photos]))[0])


def test_the_built_in_model_is_a_light_256_px_generator_under_12_mb():
    info = inspect_checkpoint(default_model_path())
    config = info.generators["a2b"]
    assert info.format == "ugatit-deploy/generator" and config.light and config.img_size == 256
    assert info.file_size <= 12_000_000
    assert info.metadata["task"].startswith("cartoonize") and info.metadata["trained_steps"] > 0


def test_it_beats_doing_nothing_on_the_shipped_photos(photos, outputs):
    score = task_score(photos, outputs)
    # Measured on the 4 shipped photos (never trained on, and unlike its training photos but for the cat):
    # 16.22 dB / SSIM 0.623 against the photos' own 15.89 dB / 0.512 (docs/training.md, "The built-in model").
    assert score.psnr_db > score.input_psnr_db + 0.2
    assert score.ssim > score.input_ssim + 0.08


def test_its_cam_tells_photos_from_cartoons(generator, photos):
    with torch.inference_mode():
        as_input = torch.stack([image_to_tensor(Image.fromarray(p)) for p in photos])
        cartoons = torch.stack([image_to_tensor(Image.fromarray(c)) for c in cartoons_of(photos)])
        photo_logits, cartoon_logits = cam_logits(generator, as_input), cam_logits(generator, cartoons)
    # The CAM loss trained it to call a photo 1 ("translate this") and a cartoon 0, for both pooled logits.
    assert (photo_logits.mean(dim=1) > cartoon_logits.mean(dim=1)).all()
