"""The circles -> squares model (the tests' stand-in) really translates: held-out circles become squares
of the same colour."""

from __future__ import annotations

import pytest

from ugatit_deploy import inspect_checkpoint, load_generator
from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.training.shape_metrics import evaluate_translation
from ugatit_deploy.training.synth import generate

pytestmark = pytest.mark.slow  # its fixtures export or train (seconds each): not the inner loop


@pytest.fixture(scope="module")
def scores(tmp_path_factory):
    root = tmp_path_factory.mktemp("heldout")
    generate(root, n=1, size=64, seed=777, n_test=100)  # a seed the model never saw
    return evaluate_translation(load_generator(shapes_model_path(), "a2b"), root, "testA")


def test_shapes_model_is_a_small_light_generator_file():
    info = inspect_checkpoint(shapes_model_path())
    assert info.format == "ugatit-deploy/generator"
    assert info.generators["a2b"].light and info.generators["a2b"].img_size == 64
    assert info.file_size < 5_000_000
    assert info.metadata["trained_steps"] > 0


def test_inputs_are_circles(scores):
    assert scores["images"] == 100
    assert scores["input_square_fraction"] == 0.0


def test_most_outputs_are_squares(scores):
    # Measured: 60 of 100 outputs read as squares (0 of the inputs); mean fill ratio 0.870 vs 0.819.
    assert scores["output_square_fraction"] >= 0.5
    assert scores["output_mean_fill"] >= scores["input_mean_fill"] + 0.04


def test_colours_are_kept(scores):
    # Measured: 88 of 100 outputs keep the input's colour (foreground mean within RGB distance 60),
    # mean distance 37.0.
    assert scores["colour_kept_fraction"] >= 0.85
    assert scores["mean_colour_distance"] <= 40.0
