"""Synthetic circles and squares: the images of the demo model's domains (A: circles, B: squares).

Each image is a pure function of its random generator's state. ``ugatit_deploy.training.synth`` builds
the demo dataset from these; parity checks use held-out circles (``reference_images.demo_images``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ShapeSpec:
    """One synthetic image: a shape of ``color`` (RGB 0-255) centred at (cx, cy) px with radius ``r`` px.

    A square of "radius" r has half-side r * sqrt(pi) / 2: the same area as the circle.
    """

    shape: str
    color: tuple[int, int, int]
    cx: float
    cy: float
    r: float


def _random_color(rng: np.random.Generator) -> np.ndarray:
    """A saturated, bright colour (HSV with s, v high), so shapes stand out from muted backgrounds."""
    h, s, v = rng.random(), rng.uniform(0.75, 1.0), rng.uniform(0.8, 1.0)
    i, f = int(h * 6) % 6, h * 6 - int(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    rgb = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]
    return np.round(np.array(rgb) * 255)


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    """A muted linear gradient between two greyish colours at a random angle, plus light noise."""
    base = rng.uniform(40, 170, size=(2, 3))
    grey = base.mean(axis=1, keepdims=True)
    ends = grey + 0.35 * (base - grey)  # desaturate: backgrounds stay muted
    angle = rng.uniform(0, 2 * math.pi)
    ys, xs = np.mgrid[0:size, 0:size] / max(size - 1, 1)
    t = np.clip((xs - 0.5) * math.cos(angle) + (ys - 0.5) * math.sin(angle) + 0.5, 0, 1)[..., None]
    image = ends[0] * (1 - t) + ends[1] * t
    return image + rng.normal(0, 4, size=image.shape)


def shape_mask(spec: ShapeSpec, size: int, supersample: int = 4) -> np.ndarray:
    """Anti-aliased coverage (0..1) of the spec's shape on a size x size pixel grid."""
    n = size * supersample
    coords = (np.arange(n) + 0.5) / supersample
    xs, ys = np.meshgrid(coords, coords)
    if spec.shape == "circle":
        inside = (xs - spec.cx) ** 2 + (ys - spec.cy) ** 2 <= spec.r**2
    else:
        half = spec.r * math.sqrt(math.pi) / 2
        inside = (np.abs(xs - spec.cx) <= half) & (np.abs(ys - spec.cy) <= half)
    return inside.reshape(size, supersample, size, supersample).mean(axis=(1, 3))


def render(spec: ShapeSpec, rng: np.random.Generator, size: int) -> np.ndarray:
    """The image of ``spec`` over a random background, as H x W x 3 uint8."""
    coverage = shape_mask(spec, size)[..., None]
    image = _background(rng, size) * (1 - coverage) + np.array(spec.color) * coverage
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def random_spec(rng: np.random.Generator, shape: str, size: int) -> ShapeSpec:
    r = rng.uniform(0.16, 0.26) * size
    margin = r * 1.05
    cx, cy = rng.uniform(margin, size - margin, size=2)
    color = tuple(int(c) for c in _random_color(rng))
    return ShapeSpec(shape, color, round(float(cx), 3), round(float(cy), 3), round(float(r), 3))  # type: ignore[arg-type]
