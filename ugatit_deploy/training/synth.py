"""A deterministic two-domain dataset whose translation needs a change of shape, not only of colour.

Domain A holds one filled **circle** per image, domain B one filled **square**; both sample the same
distribution of colours, positions, sizes and backgrounds (smooth two-colour gradients with mild
noise). A good A->B model must turn the circle into a square of the same colour at the same place.

Each image is a pure function of ``(seed, split, index)``. ``meta.json`` at the root records every
image's shape, colour, centre and radius, which ``shape_metrics`` uses to score translations.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
from PIL import Image

from ..core.fileio import atomic_output
from ..core.shapes import ShapeSpec, random_spec, render, shape_mask

__all__ = ["SPLITS", "ShapeSpec", "generate", "load_meta", "random_spec", "render", "shape_mask"]

SPLITS = {"trainA": ("circle", 0), "trainB": ("square", 1), "testA": ("circle", 2), "testB": ("square", 3)}


def generate(out: Path, n: int = 400, size: int = 64, seed: int = 0, n_test: int | None = None) -> dict:
    """Write ``n`` train and ``n_test`` (default n // 4, at least 8) test images per domain under ``out``.

    Returns the metadata written to ``out/meta.json``.
    """
    n_test = max(8, n // 4) if n_test is None else n_test
    meta: dict = {"generator": "ugatit_deploy.training.synth", "seed": seed, "size": size, "images": {}}
    for split, (shape, split_id) in SPLITS.items():
        folder = out / split
        folder.mkdir(parents=True, exist_ok=True)
        count = n if split.startswith("train") else n_test
        for index in range(count):
            rng = np.random.default_rng([seed, split_id, index])
            spec = random_spec(rng, shape, size)
            name = f"{split}/{shape}_{index:05d}.png"
            with atomic_output(out / name) as handle:
                Image.fromarray(render(spec, rng, size)).save(handle, format="PNG")
            meta["images"][name] = asdict(spec)
    with atomic_output(out / "meta.json") as handle:
        handle.write(json.dumps(meta, indent=1).encode())
    return meta


def load_meta(root: Path) -> dict[str, ShapeSpec]:
    """``{relative path: ShapeSpec}`` from a synthetic dataset's meta.json."""
    record = json.loads((root / "meta.json").read_text())
    return {
        name: ShapeSpec(spec["shape"], tuple(spec["color"]), spec["cx"], spec["cy"], spec["r"])
        for name, spec in record["images"].items()
    }
