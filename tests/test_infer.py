"""`ugatit-deploy infer`: the same images as load_generator + the shared pre-processing, from any model file."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from ugatit_deploy import load_generator
from ugatit_deploy.assets import default_model_path
from ugatit_deploy.backends import artifact_kind, open_model
from ugatit_deploy.cli import main
from ugatit_deploy.export import export_checkpoint
from ugatit_deploy.imaging import preprocess, tensor_to_uint8
from ugatit_deploy.inference import collect_inputs
from ugatit_deploy.reference_images import demo_images, photo_paths


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    for index, image in enumerate(demo_images(3, 64, seed=5)):
        image.save(folder / f"circle_{index}.png")
    Image.open(photo_paths()[0]).resize((100, 60)).save(folder / "wide.jpg")  # not the model's size or aspect
    return folder


@pytest.fixture(scope="module")
def onnx_file(tmp_path_factory):
    (path,) = export_checkpoint(default_model_path(), out=tmp_path_factory.mktemp("onnx"), log=lambda _: None)
    return path


def _reference(path):
    with torch.no_grad():
        return load_generator(default_model_path())(preprocess(path, 64))[0]


def _infer(*args):
    return CliRunner().invoke(main, ["infer", *map(str, args)])


def test_checkpoint_outputs_equal_load_generator_with_the_shared_preprocessing(inputs, tmp_path):
    result = _infer(inputs, "--out", tmp_path, "--batch", "3")
    assert result.exit_code == 0, result.output
    for source in sorted(inputs.iterdir()):
        written = np.asarray(Image.open(tmp_path / f"{source.stem}.png"))
        np.testing.assert_array_equal(written, tensor_to_uint8(_reference(source))[0])


def test_onnx_outputs_match_within_1e4_before_rounding(inputs, onnx_file):
    with open_model(onnx_file, "onnxruntime") as backend:
        for source in sorted(inputs.iterdir()):
            got = backend.run(preprocess(source, 64).numpy())
            assert np.abs(got - _reference(source).numpy()).max() <= 1e-4


def test_onnx_file_through_the_cli_writes_the_same_pixels_up_to_one_level(inputs, onnx_file, tmp_path):
    result = _infer(inputs, "--model", onnx_file, "--out", tmp_path)
    assert result.exit_code == 0 and "onnxruntime-cpu fp32 (pil resize): wrote 4 files" in result.output
    for source in sorted(inputs.iterdir()):
        written = np.asarray(Image.open(tmp_path / f"{source.stem}.png")).astype(int)
        assert np.abs(written - tensor_to_uint8(_reference(source))[0]).max() <= 1


def test_keep_size_restores_each_inputs_size(inputs, tmp_path):
    assert _infer(inputs / "wide.jpg", "--out", tmp_path, "--keep-size").exit_code == 0
    assert Image.open(tmp_path / "wide.png").size == (100, 60)
    assert _infer(inputs / "wide.jpg", "--out", tmp_path / "model_size").exit_code == 0
    assert Image.open(tmp_path / "model_size" / "wide.png").size == (64, 64)


def test_heatmap_is_written_beside_each_translation(inputs, tmp_path):
    assert _infer(inputs / "circle_0.png", "--out", tmp_path, "--heatmap").exit_code == 0
    assert Image.open(tmp_path / "circle_0_heatmap.png").size == (64, 64)


def test_heatmap_from_an_onnx_without_cam_outputs_is_a_clear_error(inputs, onnx_file, tmp_path):
    result = _infer(inputs / "circle_0.png", "--model", onnx_file, "--out", tmp_path, "--heatmap")
    assert (
        result.exit_code == 1 and "--heatmap needs a checkpoint or an ONNX exported with --outputs all" in result.output
    )


def test_unreadable_files_are_reported_and_skipped(inputs, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    result = _infer(inputs / "circle_1.png", broken, "--out", tmp_path / "out")
    assert result.exit_code == 0
    assert "skipped: cannot read image" in result.output and "skipped 1 unreadable" in result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["circle_1.png"]
    only_broken = _infer(broken, "--out", tmp_path / "none")
    assert only_broken.exit_code == 1 and "no image could be read" in only_broken.output


def test_same_names_from_two_folders_do_not_overwrite(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        demo_images(1, 64)[0].save(tmp_path / folder / "x.png")
    names = [name.name for _, name in collect_inputs([tmp_path / "a", tmp_path / "b"])]
    assert names == ["x.png", "x_2.png"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.png"], "input not found: missing.png"),
        (["--backend", "tensorrt", "IMG"], "--backend tensorrt cannot run demo_shapes_a2b.pt: it is a checkpoint file"),
        (["--model", "nope.pt", "IMG"], "nope.pt: no such file"),
        (["--batch", "0", "IMG"], "--batch must be >= 1"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(inputs, tmp_path, args, message):
    args = [str(inputs / "circle_0.png") if a == "IMG" else a for a in args]
    result = _infer(*args, "--out", tmp_path)
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output


def test_the_kind_of_a_model_file_comes_from_its_sidecar_or_suffix(onnx_file):
    assert artifact_kind(default_model_path()) == "checkpoint"
    assert artifact_kind(onnx_file) == "onnx"
    assert artifact_kind("model.plan") == "engine"
