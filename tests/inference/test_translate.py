"""Translating files (``inference.translate``): the same images as load_generator + the shared
pre-processing, from any model file."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from support.models import demo_reference

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.backends import open_model
from ugatit_deploy.cli import main
from ugatit_deploy.core.imaging import preprocess, tensor_to_uint8
from ugatit_deploy.core.reference_images import demo_images
from ugatit_deploy.inference.translate import collect_inputs


def _infer(*args):
    return CliRunner().invoke(main, ["infer", *map(str, args)])


@pytest.mark.slow
def test_checkpoint_outputs_equal_load_generator_with_the_shared_preprocessing(infer_inputs, tmp_path):
    result = _infer(infer_inputs, "--model", shapes_model_path(), "--out", tmp_path, "--batch", "3")
    assert result.exit_code == 0, result.output
    for source in sorted(infer_inputs.iterdir()):
        written = np.asarray(Image.open(tmp_path / f"{source.stem}.png"))
        np.testing.assert_array_equal(written, tensor_to_uint8(demo_reference(source))[0])


@pytest.mark.slow
def test_onnx_outputs_match_within_1e4_before_rounding(infer_inputs, demo_onnx):
    with open_model(demo_onnx, "onnxruntime") as backend:
        for source in sorted(infer_inputs.iterdir()):
            got = backend.run(preprocess(source, 64).numpy())
            assert np.abs(got - demo_reference(source).numpy()).max() <= 1e-4


def test_same_names_from_two_folders_do_not_overwrite(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        demo_images(1, 64)[0].save(tmp_path / folder / "x.png")
    names = [name.name for _, name in collect_inputs([tmp_path / "a", tmp_path / "b"])]
    assert names == ["x.png", "x_2.png"]
