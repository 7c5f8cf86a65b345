"""The CPU fast path: `infer --backend openvino` on a checkpoint, and how the main job picks its mode."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from ugatit_deploy import load_generator
from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.cli import main
from ugatit_deploy.core.gates import FAST_PATH_GATE
from ugatit_deploy.core.imaging import preprocess
from ugatit_deploy.core.parity import image_parity
from ugatit_deploy.core.reference_images import demo_images, photo_paths

SHAPES = str(shapes_model_path())  # the small circles -> squares model: fast to export

pytestmark = pytest.mark.slow  # exports and compares every CPU mode

pytest.importorskip("openvino", reason="OpenVINO is not installed: pip install 'ugatit-deploy[openvino]'")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    for index, image in enumerate(demo_images(3, 64, seed=11)):
        image.save(folder / f"circle_{index}.png")
    Image.open(photo_paths()[1]).save(folder / "photo.png")
    return folder


def _infer_openvino(inputs, out):
    args = ["infer", str(inputs), "--model", SHAPES, "--backend", "openvino", "--out", str(out)]
    return CliRunner().invoke(main, args)


def test_infer_with_openvino_takes_the_int8_fast_path_once_and_meets_its_gate(inputs, tmp_path, monkeypatch):
    monkeypatch.setenv("UGATIT_DEPLOY_CACHE", str(tmp_path / "cache"))
    first = _infer_openvino(inputs, tmp_path / "a")
    assert first.exit_code == 0, first.output
    assert "openvino-cpu int8-cpu keep-fp" in first.output and "wrote 4 files" in first.output
    (exported,) = (tmp_path / "cache").rglob("*_int8-cpu.onnx")
    stamp = exported.stat().st_mtime_ns

    second = _infer_openvino(inputs, tmp_path / "b")
    assert second.exit_code == 0, second.output
    assert "exporting" not in second.output and exported.stat().st_mtime_ns == stamp  # cached

    sources = sorted(inputs.iterdir())
    with torch.no_grad():
        reference = load_generator(shapes_model_path())(torch.cat([preprocess(p, 64) for p in sources]))[0]
    written = np.stack([np.asarray(Image.open(tmp_path / "b" / f"{p.stem}.png")) for p in sources])
    images = written.transpose(0, 3, 1, 2).astype(np.float32) / 127.5 - 1
    assert FAST_PATH_GATE.failures(image_parity(reference.numpy(), images)) == []
