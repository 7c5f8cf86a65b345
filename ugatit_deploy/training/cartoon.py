"""The built-in model's target: a deterministic photo -> cartoon filter made of OpenCV operations.

``cartoonize(image)`` smooths the photo with an edge-preserving filter, flattens its shading (lightness
in a few bands, colour in coarse steps, in CIELAB so that hues do not drift) and draws dark outlines where
the photo is locally darker than its surroundings. Every step is a stock OpenCV call with fixed settings,
so the same image always gives the same cartoon; the built-in model is trained to reproduce it.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

SMOOTHING_PASSES = 5  # bilateral filter passes: flat regions, kept edges
BILATERAL = {"d": 9, "sigmaColor": 50, "sigmaSpace": 7}
LIGHTNESS_LEVELS = 7  # CIELAB L* bands
CHROMA_STEP = 8  # a*/b* step (of 256): colour kept, in coarse steps
OUTLINE_MEDIAN = 5  # median blur before the outline threshold: no specks from noise
OUTLINE_BLOCK = 15  # adaptive threshold window (pixels)
OUTLINE_OFFSET = 7  # how much darker than its window a pixel must be to become an outline
OUTLINE_WIDTH = 2  # outlines are thickened by this many pixels (bold lines, as drawn cartoons have)


def _band_table(step: float) -> np.ndarray:
    """A 256-entry table mapping each value to the centre of its band of width ``step``."""
    centres = (np.floor(np.arange(256) / step) + 0.5) * step
    return np.clip(centres, 0, 255).astype(np.uint8)


def cartoonize_array(rgb: np.ndarray) -> np.ndarray:
    """``cartoonize`` on an H x W x 3 uint8 RGB array; returns a new array of the same shape."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"cartoonize_array takes H x W x 3 uint8 RGB, got {rgb.dtype} {rgb.shape}")
    smooth = np.ascontiguousarray(rgb)
    for _ in range(SMOOTHING_PASSES):
        smooth = cv2.bilateralFilter(smooth, **BILATERAL)
    lab = cv2.cvtColor(smooth, cv2.COLOR_RGB2LAB)
    lab[..., 0] = cv2.LUT(lab[..., 0], _band_table(256 / LIGHTNESS_LEVELS))
    chroma = _band_table(CHROMA_STEP)
    lab[..., 1] = cv2.LUT(lab[..., 1], chroma)
    lab[..., 2] = cv2.LUT(lab[..., 2], chroma)
    flat = cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)
    gray = cv2.medianBlur(cv2.cvtColor(smooth, cv2.COLOR_RGB2GRAY), OUTLINE_MEDIAN)
    keep = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, OUTLINE_BLOCK,
                                 OUTLINE_OFFSET)  # fmt: skip
    keep = cv2.morphologyEx(keep, cv2.MORPH_CLOSE, np.ones((2, 2), np.uint8))  # close one-pixel gaps in fills
    keep = cv2.erode(keep, np.ones((OUTLINE_WIDTH, OUTLINE_WIDTH), np.uint8))  # widen the (zero) outlines
    return cv2.bitwise_and(flat, flat, mask=keep)


def cartoonize(image: Image.Image) -> Image.Image:
    """The photo -> cartoon filter: a PIL RGB image in, a cartoon of the same size out (deterministic)."""
    if not isinstance(image, Image.Image):
        raise TypeError(f"cartoonize takes a PIL image, got {type(image).__name__}")
    return Image.fromarray(cartoonize_array(np.asarray(image.convert("RGB"))))
