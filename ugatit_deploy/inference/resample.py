"""The resampling of the faces pipeline, defined here operation for operation and mirrored by the C++ runner
(cpp/src/face_resample.cpp), so that both give the same bytes:

- ``resize``: separable, with integer weights (fixed point, ``ONE``): a downscale gives each output pixel the
  mean of the source cell it covers (area resampling), an upscale or same size interpolates linearly between
  the two nearest source pixels (half-pixel centres, clamped at the edges). Every product and sum is an integer
  (int32 for the width pass, int64 for the height pass), exact in any order: the two languages need not agree
  on an order of summation to give the same bytes.
- ``warp``: bilinear sampling through a 2 x 3 affine map from output to source pixels, in float64; outside
  the source either the nearest edge pixel (``replicate``) or 0 (``zero``).

Why not OpenCV's: OpenCV 4.6 (Debian's, for the C++ build) and 5.x (PyPI's) warp with different arithmetic
(1/32-pixel fixed point, float), so no OpenCV call could give both languages the same pixels.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

BAND_ROWS = 256  # warps run over bands of output rows: the memory of a large footprint stays bounded


ONE = 1 << 16  # fixed point of the resize weights: a weight w stands for w / ONE
HALF = 1 << 31  # half of ONE * ONE: the two passes' sums are ONE * ONE times the pixel


@lru_cache(maxsize=1024)
def axis_taps(source: int, target: int) -> tuple[np.ndarray, np.ndarray]:
    """(target, K) source indices and integer weights (float64, summing to about ``ONE``) that resample an axis
    of ``source`` pixels to ``target``: a downscale's cell [i * scale, (i + 1) * scale) weights each source
    pixel by its overlap (area), an upscale interpolates the two nearest (half-pixel centres, clamped)."""
    if source < 1 or target < 1:
        raise ValueError(f"cannot resample {source} pixels to {target}")
    out = np.arange(target, dtype=np.float64)
    if target < source:
        scale = source / target
        start, end = out * scale, (out + 1) * scale
        index = np.floor(start)[:, None] + np.arange(math.ceil(scale) + 1, dtype=np.float64)[None, :]
        overlap = np.minimum(end[:, None], index + 1) - np.maximum(start[:, None], index)
        overlap = np.where((overlap > 0) & (index < source), overlap, 0.0)
        weights = np.rint(overlap / scale * ONE)
        return np.minimum(index, source - 1).astype(np.int64), weights
    position = np.clip((out + 0.5) * (source / target) - 0.5, 0.0, source - 1.0)
    first = np.floor(position)
    upper = np.rint((position - first) * ONE)
    index = np.stack([first, np.minimum(first + 1, source - 1)], axis=1)
    return index.astype(np.int64), np.stack([ONE - upper, upper], axis=1)


def _taps(values: np.ndarray, axis: int, target: int, dtype: type) -> np.ndarray:
    index, weights = axis_taps(values.shape[axis], target)
    shape = [1] * values.ndim
    shape[axis] = -1
    weights = weights.astype(dtype)
    total = weights[:, 0].reshape(shape) * np.take(values, index[:, 0], axis=axis)
    for k in range(1, index.shape[1]):
        total += weights[:, k].reshape(shape) * np.take(values, index[:, k], axis=axis)
    return total


def resize(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """An H x W x C uint8 image resampled to ``height`` x ``width`` (area down, linear up), uint8: the sum of
    integer weights times pixels (the width pass in int32: under 2^31; the height pass in int64), exact
    whatever the order of the sum, rounded half up."""
    total = _taps(_taps(image, 1, width, np.int32), 0, height, np.int64)
    return np.clip((total + HALF) >> 32, 0, 255).astype(np.uint8)


def invert_affine(matrix: np.ndarray) -> np.ndarray:
    """The inverse of a 2 x 3 affine map (float64), each entry computed as the C++ runner computes it."""
    (a, b, c), (d, e, f) = np.asarray(matrix, dtype=np.float64).tolist()
    det = a * e - b * d
    inv = 1.0 / det if det != 0 else 0.0
    a2, b2, d2, e2 = e * inv, -b * inv, -d * inv, a * inv
    return np.array([[a2, b2, -a2 * c - b2 * f], [d2, e2, -d2 * c - e2 * f]], dtype=np.float64)


def _sample(image: np.ndarray, sx: np.ndarray, sy: np.ndarray, border: str) -> np.ndarray:
    height, width = image.shape[:2]
    flat = image.reshape(height * width, -1)
    x0, y0 = np.floor(sx), np.floor(sy)
    fx, fy = (sx - x0)[..., None], (sy - y0)[..., None]
    xs = [x0.astype(np.int64)]
    xs.append(xs[0] + 1)
    ys = [y0.astype(np.int64)]
    ys.append(ys[0] + 1)
    columns = [np.clip(x, 0, width - 1) for x in xs]
    rows = [np.clip(y, 0, height - 1) * width for y in ys]
    if border == "zero":
        x_in = [(x >= 0) & (x < width) for x in xs]
        y_in = [(y >= 0) & (y < height) for y in ys]

    def pixel(row: int, column: int) -> np.ndarray:
        values = np.take(flat, rows[row] + columns[column], axis=0).astype(np.float64)
        if border == "replicate":
            return values
        return np.where((y_in[row] & x_in[column])[..., None], values, 0.0)

    top = (1.0 - fx) * pixel(0, 0) + fx * pixel(0, 1)
    bottom = (1.0 - fx) * pixel(1, 0) + fx * pixel(1, 1)
    return (1.0 - fy) * top + fy * bottom


def warp(image: np.ndarray, inverse: np.ndarray, width: int, height: int, border: str = "replicate") -> np.ndarray:
    """``out[y, x] = image(inverse @ (x, y, 1))``, bilinear, float64, H x W x C (an H x W image gets C = 1).
    ``border``: ``replicate`` (the nearest edge pixel) or ``zero``."""
    if border not in ("replicate", "zero"):
        raise ValueError(f"border must be replicate or zero, got {border!r}")
    source = image if image.ndim == 3 else image[..., None]
    (a, b, c), (d, e, f) = np.asarray(inverse, dtype=np.float64).tolist()
    xs = np.arange(width, dtype=np.float64)[None, :]
    out = np.empty((height, width, source.shape[2]), np.float64)
    for top in range(0, height, BAND_ROWS):
        ys = np.arange(top, min(top + BAND_ROWS, height), dtype=np.float64)[:, None]
        out[top : top + len(ys)] = _sample(source, (a * xs + b * ys) + c, (d * xs + e * ys) + f, border)
    return out


def to_uint8(values: np.ndarray) -> np.ndarray:
    """Float pixels rounded half to even and clipped to 0..255."""
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)
