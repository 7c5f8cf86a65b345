"""The synthetic circles -> squares dataset (``training.synth``) and its shape classifier
(``training.shape_metrics``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image, ImageFilter

from ugatit_deploy.training.shape_metrics import classify_shape
from ugatit_deploy.training.synth import generate, load_meta


def test_synth_is_deterministic_and_labelled(tmp_path):
    generate(tmp_path / "a", n=3, size=48, seed=2, n_test=2)
    generate(tmp_path / "b", n=3, size=48, seed=2, n_test=2)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.png"))
    assert len(files) == 10
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)
    meta = load_meta(tmp_path / "a")
    assert {spec.shape for name, spec in meta.items() if name.startswith("trainA")} == {"circle"}
    assert {spec.shape for name, spec in meta.items() if name.startswith("testB")} == {"square"}


@pytest.mark.slow
@pytest.mark.parametrize("blur", [0.0, 1.5])
def test_shape_classifier_reads_every_synthetic_image_correctly(tmp_path, blur):
    root = tmp_path / "s"
    generate(root, n=40, size=64, seed=3, n_test=10)
    for name, spec in load_meta(root).items():
        image = Image.open(root / name)
        image = image.filter(ImageFilter.GaussianBlur(blur)) if blur else image
        reading = classify_shape(np.asarray(image), spec.color, math.pi * spec.r**2)
        assert reading.label == spec.shape, (name, reading)


def test_shape_classifier_says_none_when_the_colour_is_gone():
    image = np.full((64, 64, 3), 128, np.uint8)
    assert classify_shape(image, (255, 0, 0), 300.0).label == "none"
