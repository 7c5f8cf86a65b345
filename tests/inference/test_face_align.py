"""Face geometry (``inference.face_align``): the aligned crop puts the eyes where the framing says, level;
pasting back changes the face's region only."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from ugatit_deploy.core.reference_images import photo_paths
from ugatit_deploy.inference.face_align import SELFIE_FRAMING, align_matrix, crop, feather_mask, paste, region


def _apply(matrix: np.ndarray, point: tuple[float, float]) -> np.ndarray:
    return matrix @ np.array([point[0], point[1], 1.0])


@settings(max_examples=200, derandomize=True, database=None)
@given(st.floats(0, 2000), st.floats(0, 2000), st.floats(8, 400), st.floats(-1.2, 1.2), st.sampled_from([64, 128, 256]))
def test_the_eyes_land_level_at_the_framing_place_and_distance(x, y, distance, angle, size):
    left = (x, y)
    right = (x + distance * np.cos(angle), y + distance * np.sin(angle))
    matrix = align_matrix(left, right, size)
    (lx, ly), (rx, ry) = _apply(matrix, left), _apply(matrix, right)
    assert ly == pytest.approx(ry, abs=1e-6) and rx > lx
    assert rx - lx == pytest.approx(SELFIE_FRAMING.eye_distance * size, rel=1e-6)
    assert (lx + rx) / 2 == pytest.approx(SELFIE_FRAMING.eyes_x * size, abs=1e-6)
    assert ly == pytest.approx(SELFIE_FRAMING.eyes_y * size, abs=1e-6)


def test_eyes_at_one_point_are_refused():
    with pytest.raises(ValueError, match="same point"):
        align_matrix((10.0, 10.0), (10.0, 10.0), 256)


def test_the_mask_is_one_inside_and_falls_to_zero_at_the_edges():
    mask = feather_mask(100, 0.1)
    assert mask[50, 50] == 1.0 and mask[0, 50] < 0.1 and mask[50, 99] < 0.1 and mask.min() > 0.0


def test_pasting_back_changes_the_face_region_and_keeps_every_other_pixel():
    photo = np.asarray(Image.open(photo_paths()[0]).convert("RGB"))  # the astronaut, 512 x 512
    matrix = align_matrix((100.0, 100.0), (140.0, 108.0), 64)  # eyes 40.8 px apart
    face = crop(photo, matrix, 64)
    inverted = 255 - face
    out = paste(photo, inverted, matrix)
    x0, y0, x1, y1 = region(matrix, 64, photo.shape)
    assert x0 < 100 < 140 < x1 and y0 < 100 < 108 < y1  # the eyes are inside
    footprint = 40.8 / SELFIE_FRAMING.eye_distance  # the crop's side in image pixels
    assert max(x1 - x0, y1 - y0) <= footprint * 1.25  # turned by 11 degrees, and no more
    outside = np.ones(photo.shape[:2], bool)
    outside[y0:y1, x0:x1] = False
    assert out.shape == photo.shape and np.array_equal(out[outside], photo[outside])
    assert np.abs(out[y0:y1, x0:x1].astype(int) - photo[y0:y1, x0:x1]).mean() > 20


def test_pasting_the_crop_itself_back_at_scale_one_changes_nothing():
    photo = np.asarray(Image.open(photo_paths()[0]).convert("RGB"))
    # Eyes level, as far apart as the framing puts them in a 200 px crop, and placed so that the crop is the
    # photo shifted by whole pixels: no resampling either way.
    distance = SELFIE_FRAMING.eye_distance * 200
    left = (SELFIE_FRAMING.eyes_x * 200 + 30 - distance / 2, SELFIE_FRAMING.eyes_y * 200 + 30)
    matrix = align_matrix(left, (left[0] + distance, left[1]), 200)
    out = paste(photo, crop(photo, matrix, 200), matrix)
    assert np.abs(out.astype(int) - photo).max() <= 1
