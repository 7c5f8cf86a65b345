"""``cartoonize``: the built-in model's target is deterministic and cartoon-like (fewer colours, dark outlines)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from ugatit_deploy.core.reference_images import photo_paths
from ugatit_deploy.training import cartoonize


@pytest.fixture(scope="module", params=[p.name for p in photo_paths()])
def photo(request):
    return Image.open(next(p for p in photo_paths() if p.name == request.param)).convert("RGB")


def _colours(image: Image.Image) -> int:
    return len(np.unique(np.asarray(image).reshape(-1, 3), axis=0))


def test_cartoonize_is_deterministic(photo):
    assert np.array_equal(np.asarray(cartoonize(photo)), np.asarray(cartoonize(photo)))


def test_cartoonize_keeps_the_size_and_mode():
    image = Image.new("RGB", (77, 50), (200, 100, 50))
    cartoon = cartoonize(image)
    assert cartoon.size == (77, 50) and cartoon.mode == "RGB"


def test_cartoonize_has_far_fewer_colours_than_the_photo(photo):
    # Measured on the four bundled photos: 18,800-41,800 colours in, 63-172 out.
    assert _colours(cartoonize(photo)) * 20 < _colours(photo)


def test_cartoonize_darkens_the_photo_s_edges(photo):
    gray = np.asarray(photo.convert("L"), dtype=np.float64)
    edges = (np.hypot(*np.gradient(gray)) > 40).astype(np.uint8)  # strong edges of the photo
    near = cv2.dilate(edges, np.ones((5, 5), np.uint8)).astype(bool)  # outlines lie on an edge's darker side
    darkening = gray - np.asarray(cartoonize(photo).convert("L"), dtype=np.float64)
    # Measured: 21-66 grey levels darker near edges, 3-14 elsewhere (chelsea, the closest: 20.6 vs 9.5).
    assert near.any() and darkening[near].mean() > darkening[~near].mean() + 5


def test_cartoonize_draws_pure_black_outlines(photo):
    black = (np.asarray(cartoonize(photo)) == 0).all(axis=-1).mean()
    assert 0.01 < black < 0.4


def test_cartoonize_refuses_what_is_not_a_pil_image():
    with pytest.raises(TypeError, match="PIL image"):
        cartoonize(np.zeros((8, 8, 3), np.uint8))
