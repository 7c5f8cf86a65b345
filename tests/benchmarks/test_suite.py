"""The bench run (``benchmarks.suite``): its inputs and the sets judged on their own."""

from __future__ import annotations

from pathlib import Path

from ugatit_deploy.benchmarks.suite import image_sets


def test_default_inputs_are_judged_as_photos_and_demo_images_apart():
    names = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.png"] + [f"demo_circle_{i}" for i in range(4)]
    assert image_sets(names, None) == {"photos": [0, 4], "demo": [4, 8]}
    assert image_sets(names, Path("mine")) == {"images": [0, 8]}
