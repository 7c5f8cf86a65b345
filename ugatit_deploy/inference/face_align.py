"""Face geometry: the crop that frames a face as the model's training data framed it (eyes level, eyes at a
measured place and distance), and pasting the translated crop back with a feathered mask, so the rest of the
photo keeps its pixels.

The framing is a ``Framing``: where the midpoint of the eyes sits in the square crop and how far apart the
eyes are, as fractions of the crop's side. ``SELFIE_FRAMING`` was measured on the selfie2anime training
selfies (benchmarks/results/face_detection.md has the command and the spread).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Point = tuple[float, float]


@dataclass(frozen=True)
class Framing:
    """Where a face sits in a square crop: the eyes' midpoint (fractions of the side, from the top left) and
    the distance between the eyes (fraction of the side)."""

    eyes_x: float
    eyes_y: float
    eye_distance: float


# The medians over the 3,253 selfie2anime trainA selfies (of 3,400) the detector found a face in:
# benchmarks/results/faces_detection.json, made by benchmarks/studies/face_detection.py
# (benchmarks/results/face_detection.md).
SELFIE_FRAMING = Framing(eyes_x=0.499, eyes_y=0.347, eye_distance=0.295)
FEATHER = 0.08  # the mask's soft border, as a fraction of the crop's side


def align_matrix(left_eye: Point, right_eye: Point, size: int, framing: Framing = SELFIE_FRAMING) -> np.ndarray:
    """The 2 x 3 similarity transform (rotation, scale, shift) that takes image coordinates to a ``size`` x
    ``size`` crop in which the eyes are level, ``framing.eye_distance * size`` apart, their midpoint at
    ``(eyes_x, eyes_y) * size``. ``left_eye`` is the one on the image's left."""
    (lx, ly), (rx, ry) = left_eye, right_eye
    dx, dy = rx - lx, ry - ly
    distance = float(np.hypot(dx, dy))
    if distance <= 0:
        raise ValueError("the two eyes are at the same point")
    scale = framing.eye_distance * size / distance
    cos, sin = dx / distance * scale, dy / distance * scale  # rotate by -angle, then scale
    rotation = np.array([[cos, sin], [-sin, cos]])
    middle = np.array([(lx + rx) / 2, (ly + ry) / 2])
    shift = np.array([framing.eyes_x * size, framing.eyes_y * size]) - rotation @ middle
    return np.hstack([rotation, shift[:, None]])


def crop(image: np.ndarray, matrix: np.ndarray, size: int) -> np.ndarray:
    """The aligned ``size`` x ``size`` crop of an H x W x 3 uint8 image (borders replicated beyond the image)."""
    return cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def feather_mask(size: int, feather: float = FEATHER) -> np.ndarray:
    """A size x size float mask: 1 inside, falling to 0 over ``feather * size`` pixels at every edge."""
    ramp = np.clip((np.arange(size) + 0.5) / max(feather * size, 1.0), 0.0, 1.0)
    edge = np.minimum(ramp, ramp[::-1])
    return np.minimum.outer(edge, edge).astype(np.float32)


def paste(image: np.ndarray, translated: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``image`` with the translated crop put back where ``crop`` took it, blended by the feathered mask.
    Only the crop's footprint is warped and blended (a 100-megapixel photo costs what its face costs);
    pixels the mask does not reach keep their exact values."""
    x0, y0, x1, y1 = _footprint(matrix, translated.shape[0], image.shape)
    out = image.copy()
    if x1 <= x0 or y1 <= y0:
        return out
    shifted = cv2.invertAffineTransform(matrix)
    shifted[:, 2] -= (x0, y0)  # crop -> the footprint's own coordinates
    size = (x1 - x0, y1 - y0)
    back = cv2.warpAffine(translated, shifted, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    mask = cv2.warpAffine(feather_mask(translated.shape[0]), shifted, size, flags=cv2.INTER_LINEAR, borderValue=0.0)
    window = image[y0:y1, x0:x1]
    blended = window.astype(np.float32) * (1.0 - mask[..., None]) + back.astype(np.float32) * mask[..., None]
    mixed = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    untouched = mask <= 0.0
    mixed[untouched] = window[untouched]
    out[y0:y1, x0:x1] = mixed
    return out


def _footprint(matrix: np.ndarray, size: int, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """The image-space box of a crop's corners, 2 pixels wider (bilinear reach), clipped to the image."""
    inverse = cv2.invertAffineTransform(matrix)
    corners = np.array([[0, 0, 1], [size, 0, 1], [0, size, 1], [size, size, 1]], dtype=np.float64) @ inverse.T
    x0, y0 = np.floor(corners.min(axis=0)).astype(int) - 2
    x1, y1 = np.ceil(corners.max(axis=0)).astype(int) + 2
    return max(int(x0), 0), max(int(y0), 0), min(int(x1), shape[1]), min(int(y1), shape[0])


def region(matrix: np.ndarray, size: int, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """The image-space box (x0, y0, x1, y1) outside which ``paste`` leaves every pixel as it was."""
    return _footprint(matrix, size, shape)
