"""Pre- and post-processing (``core.imaging``)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from ugatit_deploy.core.imaging import resize


def test_opencv_resize_blends_the_two_nearest_pixels_without_antialiasing():
    stripes = np.zeros((4, 8, 3), dtype=np.uint8)
    stripes[:, 1::2] = 255  # one-pixel stripes: a 2x shrink blends each pair; PIL's wider filter spreads them
    opencv = np.asarray(resize(Image.fromarray(stripes), (4, 2), "opencv"))
    assert np.array_equal(opencv, np.full((2, 4, 3), 128, dtype=np.uint8))


def test_opencv_and_pil_resize_differ_when_shrinking_a_photo_like_image():
    rng = np.random.default_rng(0)
    image = Image.fromarray(rng.integers(0, 256, (300, 400, 3), dtype=np.uint8))
    opencv, pil = (np.asarray(resize(image, (256, 256), m)).astype(int) for m in ("opencv", "pil"))
    assert opencv.shape == pil.shape == (256, 256, 3) and np.abs(opencv - pil).mean() > 1
