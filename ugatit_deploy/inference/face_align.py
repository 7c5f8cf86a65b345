"""Face geometry: the crop that frames a face as the model's training data framed it (eyes level, eyes at a
measured place and distance), and pasting the translated crop back with a feathered mask, so the rest of the
photo keeps its pixels.

The framing is a ``Framing``: where the midpoint of the eyes sits in the square crop and how far apart the
eyes are, as fractions of the crop's side. ``SELFIE_FRAMING`` was measured on the selfie2anime training
selfies (benchmarks/results/face_detection.md has the command and the spread).
"""

from __future__ import annotations

import math

import numpy as np

from ..core.face_numbers import Framing, face_numbers
from .resample import invert_affine, to_uint8, warp

Point = tuple[float, float]

# The medians over the 3,253 selfie2anime trainA selfies (of 3,400) the detector found a face in:
# benchmarks/results/faces_detection.json, made by benchmarks/studies/face_detection.py
# (benchmarks/results/face_detection.md). Defined in core/faces.json, with the C++ runner.
SELFIE_FRAMING = face_numbers().framing
FEATHER = face_numbers().feather  # the mask's soft border, as a fraction of the crop's side
MARGIN = face_numbers().footprint_margin  # pixels a paste may reach beyond the crop's corners (bilinear)

__all__ = ["FEATHER", "SELFIE_FRAMING", "Framing", "align_matrix", "crop", "feather_mask", "paste", "region"]


def align_matrix(left_eye: Point, right_eye: Point, size: int, framing: Framing = SELFIE_FRAMING) -> np.ndarray:
    """The 2 x 3 similarity transform (rotation, scale, shift) that takes image coordinates to a ``size`` x
    ``size`` crop in which the eyes are level, ``framing.eye_distance * size`` apart, their midpoint at
    ``(eyes_x, eyes_y) * size``. ``left_eye`` is the one on the image's left. Each entry is computed as the
    C++ runner computes it (cpp/src/face_align.cpp)."""
    (lx, ly), (rx, ry) = left_eye, right_eye
    dx, dy = rx - lx, ry - ly
    distance = math.sqrt(dx * dx + dy * dy)
    if distance <= 0:
        raise ValueError("the two eyes are at the same point")
    scale = framing.eye_distance * size / distance
    cos, sin = dx / distance * scale, dy / distance * scale  # rotate by -angle, then scale
    mx, my = (lx + rx) / 2, (ly + ry) / 2
    shift_x = framing.eyes_x * size - (cos * mx + sin * my)
    shift_y = framing.eyes_y * size - (-sin * mx + cos * my)
    return np.array([[cos, sin, shift_x], [-sin, cos, shift_y]], dtype=np.float64)


def crop(image: np.ndarray, matrix: np.ndarray, size: int) -> np.ndarray:
    """The aligned ``size`` x ``size`` crop of an H x W x 3 uint8 image (borders replicated beyond the image)."""
    return to_uint8(warp(image, invert_affine(matrix), size, size, "replicate"))


def feather_mask(size: int, feather: float = FEATHER) -> np.ndarray:
    """A size x size float64 mask: 1 inside, falling to 0 over ``feather * size`` pixels at every edge."""
    ramp = np.clip((np.arange(size, dtype=np.float64) + 0.5) / max(feather * size, 1.0), 0.0, 1.0)
    edge = np.minimum(ramp, ramp[::-1])
    return np.minimum.outer(edge, edge)


def paste(image: np.ndarray, translated: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``image`` with the translated crop put back where ``crop`` took it, blended by the feathered mask.
    Only the crop's footprint is warped and blended (a 100-megapixel photo costs what its face costs);
    pixels the mask does not reach keep their exact values."""
    x0, y0, x1, y1 = _footprint(matrix, translated.shape[0], image.shape)
    out = image.copy()
    if x1 <= x0 or y1 <= y0:
        return out
    (a, b, c), (d, e, f) = np.asarray(matrix, dtype=np.float64).tolist()
    # the footprint's own coordinates -> the crop's
    shifted = np.array([[a, b, (a * x0 + b * y0) + c], [d, e, (d * x0 + e * y0) + f]], dtype=np.float64)
    width, height = x1 - x0, y1 - y0
    back = warp(translated, shifted, width, height, "replicate")
    mask = warp(feather_mask(translated.shape[0]), shifted, width, height, "zero")
    window = image[y0:y1, x0:x1]
    mixed = to_uint8(window.astype(np.float64) * (1.0 - mask) + back * mask)
    untouched = mask[..., 0] <= 0.0
    mixed[untouched] = window[untouched]
    out[y0:y1, x0:x1] = mixed
    return out


def _footprint(matrix: np.ndarray, size: int, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """The image-space box of a crop's corners, ``MARGIN`` pixels wider (bilinear reach), clipped to the image."""
    (a, b, c), (d, e, f) = invert_affine(matrix).tolist()
    corners = [(0, 0), (size, 0), (0, size), (size, size)]
    xs = [(a * u + b * v) + c for u, v in corners]
    ys = [(d * u + e * v) + f for u, v in corners]
    x0, y0 = math.floor(min(xs)) - MARGIN, math.floor(min(ys)) - MARGIN
    x1, y1 = math.ceil(max(xs)) + MARGIN, math.ceil(max(ys)) + MARGIN
    return max(x0, 0), max(y0, 0), min(x1, shape[1]), min(y1, shape[0])


def region(matrix: np.ndarray, size: int, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """The image-space box (x0, y0, x1, y1) outside which ``paste`` leaves every pixel as it was."""
    return _footprint(matrix, size, shape)
