"""CAM heatmaps beside translations (``inference.heatmaps``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ugatit_deploy.backends import create_backend
from ugatit_deploy.core.errors import UgatitDeployError
from ugatit_deploy.inference.heatmaps import heatmap_path, heatmap_picture, run_with_heatmaps


def test_a_heatmap_sits_beside_its_translation():
    assert heatmap_path(Path("out/cats/felix.png")) == Path("out/cats/felix_heatmap.png")


def test_the_picture_is_the_input_size_and_hottest_where_the_heatmap_peaks():
    image = np.full((40, 60, 3), 128, np.uint8)
    heatmap = np.zeros((1, 10, 15), np.float32)
    heatmap[0, 0, 0] = 1.0  # hottest in the top-left corner
    picture = heatmap_picture(image, heatmap)
    assert picture.shape == (40, 60, 3) and picture.dtype == np.uint8
    assert picture[0, 0, 0] > picture[0, 0, 2] and picture[-1, -1, 2] > picture[-1, -1, 0]  # red vs blue


def test_an_onnx_without_cam_outputs_says_how_to_get_one(demo_onnx):
    with create_backend("onnxruntime-cpu", demo_onnx) as runner, pytest.raises(UgatitDeployError) as caught:
        run_with_heatmaps(runner, np.zeros((1, 3, 64, 64), np.float32))
    assert str(caught.value) == "--heatmap needs a checkpoint or an ONNX exported with --outputs all"
