"""Pre- and post-processing (``core.imaging``)."""

from __future__ import annotations

import numpy as np
import pytest

from ugatit_deploy.core.imaging import resize_opencv


def test_opencv_resize_matches_cv2_when_shrinking_and_within_one_level_when_enlarging():
    cv2 = pytest.importorskip("cv2", reason="opencv-python-headless is a test extra")
    rng = np.random.default_rng(0)
    for height, width in ((300, 400), (480, 640), (257, 333), (512, 512)):
        image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        assert np.array_equal(resize_opencv(image, (256, 256)), cv2.resize(image, (256, 256)))
    image = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    difference = np.abs(resize_opencv(image, (256, 256)).astype(int) - cv2.resize(image, (256, 256)))
    assert difference.max() <= 1 and set(np.nonzero(difference)[0]) <= {0, 1, 254, 255}
