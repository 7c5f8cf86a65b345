"""The bench run (``benchmarks.suite``): its inputs and the sets judged on their own."""

from __future__ import annotations

from pathlib import Path

from ugatit_deploy.benchmarks.suite import image_sets, load_inputs


def test_default_inputs_are_judged_as_photos_and_demo_images_apart():
    names = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.png"] + [f"demo_circle_{i}" for i in range(4)]
    assert image_sets(names, None) == {"photos": [0, 4], "demo": [4, 8]}
    assert image_sets(names, Path("mine")) == {"images": [0, 8]}


def test_a_photo_model_is_benchmarked_on_the_bundled_photos_only():
    images, names = load_inputs(None, 64, circles=False)
    assert names == ["astronaut.png", "chelsea.png", "coffee.png", "rocket.png"] and images.shape == (4, 3, 64, 64)
    assert image_sets(names, None) == {"photos": [0, 4]}
    assert load_inputs(None, 64)[1][4:] == [f"demo_circle_{i}" for i in range(4)]
