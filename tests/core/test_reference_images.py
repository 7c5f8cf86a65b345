"""Reference images: which ones a model's domain calls for, and the photo crops a photo model calibrates on."""

from __future__ import annotations

import numpy as np
from PIL import Image

from ugatit_deploy.core.reference_images import photo_crops, photo_paths, trained_on_photos


def test_a_model_trained_on_cartoonize_is_a_photo_model():
    assert trained_on_photos({"task": "cartoonize (ugatit_deploy.training.cartoonize)"})
    assert not trained_on_photos({"dataset": "data/shapes", "trained_steps": 2000})


def test_photo_crops_are_seeded_and_other_pixels_than_the_photos():
    crops = photo_crops(8, 64, seed=2025)
    assert len(crops) == 8 and all(crop.size == (64, 64) for crop in crops)
    again = photo_crops(8, 64, seed=2025)
    assert all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(crops, again, strict=True))
    other = photo_crops(8, 64, seed=2024)
    assert not any(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(crops, other, strict=True))
    whole = [np.asarray(Image.open(path).convert("RGB").resize((64, 64))) for path in photo_paths()]
    assert not any(np.array_equal(np.asarray(crop), photo) for crop in crops for photo in whole)
