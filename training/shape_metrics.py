"""A simple geometric test of "is this a circle or a square?", for the synthetic dataset.

Given an image and the colour its shape should have, the foreground is the set of pixels within
``COLOR_TOLERANCE`` (Euclidean RGB distance) of that colour. Its **fill ratio**, foreground area over
the area of its axis-aligned bounding box, is pi/4 = 0.785 for a disc and 1.0 for a square; the
threshold ``SQUARE_FILL`` = 0.89 sits halfway. An image whose foreground covers less than
``MIN_AREA_FRACTION`` of the expected area has lost its colour and counts as "none".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

COLOR_TOLERANCE = 60.0
SQUARE_FILL = (math.pi / 4 + 1.0) / 2
MIN_AREA_FRACTION = 0.4


@dataclass(frozen=True)
class ShapeReading:
    label: str  # "circle", "square" or "none"
    fill_ratio: float
    area: int  # foreground pixels
    mean_color: tuple[float, float, float]


def classify_shape(image: np.ndarray, color: tuple[int, int, int], expected_area: float) -> ShapeReading:
    """Classify the ``color`` foreground of an H x W x 3 uint8 image as circle, square or none."""
    distance = np.linalg.norm(image.astype(np.float64) - np.asarray(color, dtype=np.float64), axis=-1)
    mask = distance < COLOR_TOLERANCE
    area = int(mask.sum())
    if area < MIN_AREA_FRACTION * expected_area:
        return ShapeReading("none", 0.0, area, (0.0, 0.0, 0.0))
    ys, xs = np.nonzero(mask)
    # Percentile bounds ignore a few stray pixels of similar colour elsewhere in the image.
    x0, x1 = np.percentile(xs, [1, 99])
    y0, y1 = np.percentile(ys, [1, 99])
    inside = (xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1)
    box = (x1 - x0 + 1) * (y1 - y0 + 1)
    fill = float(inside.sum() / box)
    mean = tuple(float(c) for c in image[mask].mean(axis=0))
    return ShapeReading("square" if fill >= SQUARE_FILL else "circle", fill, area, mean)  # type: ignore[arg-type]


def evaluate_translation(generator, root, split: str = "testA") -> dict:
    """Score a circles -> squares generator on a synthetic dataset split (meta.json gives the truth).

    Returns the fraction of inputs and of outputs read as squares, the fraction of outputs whose shape
    kept the input's colour (label not "none"), and the mean RGB distance between the input colour and
    the output foreground's mean colour.
    """
    from pathlib import Path

    import torch
    from PIL import Image

    from ..imaging import image_to_tensor, tensor_to_uint8
    from .synth import load_meta

    specs = {name: spec for name, spec in load_meta(Path(root)).items() if name.startswith(split + "/")}
    inputs, outputs, distances = [], [], []
    for name, spec in sorted(specs.items()):
        image = Image.open(Path(root) / name).convert("RGB")
        expected_area = math.pi * spec.r**2
        inputs.append(classify_shape(np.asarray(image), spec.color, expected_area).label)
        with torch.no_grad():
            translated = tensor_to_uint8(generator(image_to_tensor(image)[None])[0][0])
        reading = classify_shape(translated, spec.color, expected_area)
        outputs.append(reading.label)
        if reading.label != "none":
            distances.append(float(np.linalg.norm(np.subtract(reading.mean_color, spec.color))))
    n = len(specs)
    return {
        "images": n,
        "input_square_fraction": inputs.count("square") / n,
        "output_square_fraction": outputs.count("square") / n,
        "output_circle_fraction": outputs.count("circle") / n,
        "colour_kept_fraction": (n - outputs.count("none")) / n,
        "mean_colour_distance": float(np.mean(distances)) if distances else float("nan"),
    }
