"""The faces pipeline's resampling (``inference.resample``), the definition the C++ runner mirrors: integer area
taps that cover each cell, linear taps with half-pixel centres, a resize as close to OpenCV's INTER_AREA as one
level and exact in any order of summation, a warp as close to OpenCV's bilinear warpAffine as one level, and the
inverse affine map."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from ugatit_deploy.core.reference_images import photo_paths
from ugatit_deploy.inference.resample import ONE, axis_taps, invert_affine, resize, to_uint8, warp

SIDES = st.integers(1, 300)


@settings(max_examples=300, derandomize=True, database=None)
@given(SIDES, SIDES)
def test_every_output_pixels_weights_sum_to_one_and_stay_inside_the_source(source, target):
    index, weights = axis_taps(source, target)
    assert index.shape == weights.shape and index.shape[0] == target
    assert index.min() >= 0 and index.max() < source and weights.min() >= 0
    assert np.array_equal(weights, np.rint(weights)) and np.abs(weights.sum(axis=1) - ONE).max() <= index.shape[1]


def test_a_halving_averages_pairs_and_a_same_size_resize_is_the_identity():
    index, weights = axis_taps(4, 2)
    assert index[:, :2].tolist() == [[0, 1], [2, 3]] and (weights[:, :2] == ONE / 2).all() and not weights[:, 2:].any()
    image = np.random.default_rng(0).integers(0, 256, (7, 9, 3), dtype=np.uint8)
    assert np.array_equal(resize(image, 9, 7), image)


def test_upscaling_interpolates_between_the_nearest_pixels_with_half_pixel_centres():
    index, weights = axis_taps(2, 4)  # output centres at source -0.25, 0.25, 0.75, 1.25
    assert index.tolist() == [[0, 1], [0, 1], [0, 1], [1, 1]]
    assert (weights / ONE).tolist() == [[1.0, 0.0], [0.75, 0.25], [0.25, 0.75], [1.0, 0.0]]


@pytest.mark.parametrize("size", [(230, 200), (61, 45), (24, 24), (48, 48), (13, 9)])
def test_a_photo_downscaled_is_within_one_level_of_opencv_inter_area(size):
    photo = np.asarray(Image.open(photo_paths()[0]).convert("RGB"))
    ours = resize(photo, *size).astype(int)
    theirs = cv2.resize(photo, size, interpolation=cv2.INTER_AREA).astype(int)
    assert np.abs(ours - theirs).max() <= 1


def test_the_sums_are_the_same_in_any_order_and_round_half_up():
    image = np.random.default_rng(1).integers(0, 256, (37, 53, 3), dtype=np.uint8)
    index, weights = axis_taps(53, 17)
    wide = sum(weights[:, k].astype(np.int64)[None, :, None] * image[:, index[:, k]] for k in range(index.shape[1]))
    backwards = sum(weights[:, k].astype(np.int64)[None, :, None] * image[:, index[:, k]]
                    for k in reversed(range(index.shape[1])))  # fmt: skip
    assert np.array_equal(wide, backwards)
    index, weights = axis_taps(37, 11)
    total = sum(weights[:, k].astype(np.int64)[:, None, None] * wide[index[:, k]] for k in range(index.shape[1]))
    assert np.array_equal(resize(image, 17, 11), np.clip((total + (ONE * ONE) // 2) // (ONE * ONE), 0, 255))
    assert resize(np.full((1, 2, 3), (0, 1, 255), np.uint8), 1, 1).tolist() == [[[0, 1, 255]]]


def test_resizing_to_nothing_is_refused():
    with pytest.raises(ValueError, match="cannot resample 5 pixels to 0"):
        axis_taps(5, 0)


@settings(max_examples=100, derandomize=True, database=None)
@given(st.floats(-3, 3), st.floats(0.2, 5), st.floats(-50, 50), st.floats(-50, 50))
def test_the_inverse_map_undoes_the_map(angle, scale, dx, dy):
    c, s = np.cos(angle) * scale, np.sin(angle) * scale
    matrix = np.array([[c, s, dx], [-s, c, dy]])
    both = np.vstack([matrix, [0, 0, 1]]) @ np.vstack([invert_affine(matrix), [0, 0, 1]])
    assert np.allclose(both, np.eye(3), atol=1e-9)


def test_a_rotated_warp_of_a_photo_is_within_one_level_of_opencv_and_borders_follow_their_mode():
    photo = np.asarray(Image.open(photo_paths()[0]).convert("RGB"))
    matrix = cv2.getRotationMatrix2D((128, 128), 17.0, 1.3)  # image -> output
    ours = to_uint8(warp(photo, invert_affine(matrix), 200, 180, "replicate")).astype(int)
    theirs = cv2.warpAffine(photo, matrix, (200, 180), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    assert np.abs(ours - theirs).max() <= 1
    far = np.array([[1.0, 0, 1000], [0, 1.0, 1000]])  # every output pixel maps outside the photo
    assert not warp(photo, far, 4, 4, "zero").any()
    assert np.array_equal(warp(photo, far, 4, 4, "replicate")[0, 0], photo[-1, -1])
    with pytest.raises(ValueError, match="border must be replicate or zero"):
        warp(photo, far, 4, 4, "reflect")
