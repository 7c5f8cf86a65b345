"""The C++ runner's OpenVINO engine (cpp/src/ov_engine.cpp): `ugatit-infer` on the bundled photos and demo
images, at several sizes, with and without --keep-size, gives the images `ugatit-deploy infer --backend
openvino` gives on the same inline ONNX (FP32 and int8-cpu); bad input is one stderr line and a non-zero
exit with no partial file; the embedding example runs."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from support.cpp_build import NO_TOOLCHAIN, NO_TOOLCHAIN_REASON, Build, with_openvino

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.cli import main
from ugatit_deploy.core.reference_images import demo_images, photo_paths

pytestmark = [pytest.mark.cpp, pytest.mark.slow, pytest.mark.skipif(NO_TOOLCHAIN, reason=NO_TOOLCHAIN_REASON)]
LEVELS, SHARE = 1, 0.001  # at most 1 level apart on at most 0.1 % of the pixels


@pytest.fixture(scope="module")
def build(cpp_build: Build) -> Build:
    return with_openvino(cpp_build)


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    """The demo model as inline FP32 and int8-cpu ONNX, and as the default (function-form) FP32 ONNX."""
    folder = tmp_path_factory.mktemp("cpp-onnx")
    for args in (["--adailn", "inline", "--precision", "fp32,int8-cpu", "--calib-images", "16"], []):
        out = folder / ("inline" if args else "functions")
        result = CliRunner().invoke(main, ["export", "--ckpt", str(shapes_model_path()), *args, "--out", str(out)])
        assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> Path:
    """The 4 bundled photos (their own sizes) and 4 demo images at 64 px, 100 x 60, 37 x 91 and 130 px, in a
    sub-folder too (relative names are kept)."""
    folder = tmp_path_factory.mktemp("cpp-images")
    for photo in photo_paths():
        shutil.copy(photo, folder / photo.name)
    (folder / "demo").mkdir()
    for image, size in zip(demo_images(4, 130, seed=5), [(64, 64), (100, 60), (37, 91), (130, 130)], strict=True):
        image.resize(size).save(folder / "demo" / f"demo_{size[0]}x{size[1]}.png")
    return folder


def _cpp_infer(build: Build, *args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([build.tool("ugatit-infer"), *map(str, args)], capture_output=True, text=True, timeout=300)


def _outputs(folder: Path) -> dict[str, np.ndarray]:
    return {str(p.relative_to(folder)): np.asarray(Image.open(p).convert("RGB")) for p in sorted(folder.rglob("*.png"))}


@pytest.mark.parametrize("keep_size", [False, True], ids=["model-size", "keep-size"])
@pytest.mark.parametrize("precision", ["fp32", "int8-cpu"])
def test_cpp_images_equal_python_openvino_images(build, models, images, tmp_path, precision, keep_size):
    model = models / "inline" / f"demo_shapes_a2b_a2b_{precision}.onnx"
    flag = ["--keep-size"] if keep_size else []
    done = _cpp_infer(build, "--model", model, "--in", images, "--out", tmp_path / "cpp", *flag)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    result = CliRunner().invoke(main, ["infer", "--model", str(model), "--backend", "openvino", *flag,
                                       "--out", str(tmp_path / "python"), str(images)])  # fmt: skip
    assert result.exit_code == 0, result.output
    cpp, python = _outputs(tmp_path / "cpp"), _outputs(tmp_path / "python")
    assert sorted(cpp) == sorted(python) and len(cpp) == 8
    for name, expected in python.items():
        assert cpp[name].shape == expected.shape, name
        diff = np.abs(cpp[name].astype(int) - expected.astype(int))
        share = float((diff > 0).mean())
        size = f"{expected.shape[1]}x{expected.shape[0]}"
        print(f"{precision} {name} {size}: max {diff.max()} levels, {share:.4%} of the pixels differ")
        assert diff.max() <= LEVELS and share <= SHARE, (name, int(diff.max()), share)
    if keep_size:
        assert cpp["demo/demo_100x60.png"].shape == (60, 100, 3)


def _one_error_line(done: subprocess.CompletedProcess, expected: str) -> None:
    lines = done.stderr.splitlines()
    assert done.returncode != 0 and len(lines) == 1, done.stderr
    assert lines[0].startswith("ugatit-infer: error: ") and expected in lines[0], lines[0]


def test_a_missing_model_is_one_line(build, images, tmp_path):
    done = _cpp_infer(build, "--model", tmp_path / "none.onnx", "--in", images, "--out", tmp_path / "out")
    _one_error_line(done, "no metadata sidecar")
    assert not (tmp_path / "out").exists()


def test_a_file_that_is_not_a_model_is_one_line(build, images, tmp_path):
    done = _cpp_infer(build, "--model", photo_paths()[0], "--in", images, "--out", tmp_path / "out")
    _one_error_line(done, "not an ugatit-deploy artifact")


def test_a_model_of_another_kind_names_the_python_command(build, models, images, tmp_path):
    source = models / "inline" / "demo_shapes_a2b_a2b_fp32.onnx"
    model = tmp_path / "model.mnn"
    shutil.copy(source, model)
    sidecar = json.loads(Path(f"{source}.json").read_text())
    Path(f"{model}.json").write_text(json.dumps({**sidecar, "kind": "mnn"}))
    done = _cpp_infer(build, "--model", model, "--in", images, "--out", tmp_path / "out")
    _one_error_line(done, "is an MNN model: the C++ runner runs ONNX files (OpenVINO) and TensorRT plans")


def test_a_truncated_onnx_is_refused_by_its_sidecar_size(build, models, images, tmp_path):
    source = models / "inline" / "demo_shapes_a2b_a2b_fp32.onnx"
    model = tmp_path / source.name
    model.write_bytes(source.read_bytes()[: source.stat().st_size // 3])
    shutil.copy(f"{source}.json", f"{model}.json")
    done = _cpp_infer(build, "--model", model, "--in", images, "--out", tmp_path / "out")
    _one_error_line(done, f"{model.name} does not match the sha256 its sidecar records")


def test_a_corrupt_onnx_whose_sidecar_matches_it_is_one_line_from_openvino(build, models, images, tmp_path):
    source = models / "inline" / "demo_shapes_a2b_a2b_fp32.onnx"
    model = tmp_path / source.name
    model.write_bytes(source.read_bytes()[: source.stat().st_size // 3])
    sidecar = json.loads(Path(f"{source}.json").read_text())
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    Path(f"{model}.json").write_text(json.dumps({**sidecar, "sha256": digest, "size_bytes": model.stat().st_size}))
    done = _cpp_infer(build, "--model", model, "--in", images, "--out", tmp_path / "out")
    _one_error_line(done, f"openvino cannot read {model.name}: ")


def test_a_function_form_onnx_names_the_inline_export(build, models, images, tmp_path):
    model = models / "functions" / "demo_shapes_a2b_a2b_fp32.onnx"
    done = _cpp_infer(build, "--model", model, "--in", images, "--out", tmp_path / "out")
    _one_error_line(done, "export it with `ugatit-deploy export --adailn inline`")


def test_a_tensorflow_model_is_refused_for_its_opencv_resize(build, models, images, tmp_path):
    source = models / "inline" / "demo_shapes_a2b_a2b_fp32.onnx"
    model = tmp_path / source.name
    shutil.copy(source, model)
    sidecar = json.loads(Path(f"{source}.json").read_text())
    sidecar["preprocessing"]["resize"] = "opencv-bilinear"
    Path(f"{model}.json").write_text(json.dumps(sidecar))
    done = _cpp_infer(build, "--model", model, "--in", images, "--out", tmp_path / "out")
    _one_error_line(done, 'expects the "opencv-bilinear" resize')


def test_an_unreadable_image_is_one_line_and_leaves_no_file(build, models, tmp_path):
    bad = tmp_path / "in" / "broken.png"
    bad.parent.mkdir()
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    model = models / "inline" / "demo_shapes_a2b_a2b_fp32.onnx"
    done = _cpp_infer(build, "--model", model, "--in", bad, "--out", tmp_path / "out")
    _one_error_line(done, "broken.png")
    assert list((tmp_path / "out").iterdir()) == []


def test_an_unwritable_output_folder_is_one_line(build, models, images, tmp_path):
    (tmp_path / "file").write_text("a file, not a folder")
    model = models / "inline" / "demo_shapes_a2b_a2b_fp32.onnx"
    done = _cpp_infer(build, "--model", model, "--in", images, "--out", tmp_path / "file" / "out")
    _one_error_line(done, "cannot write to the output folder")


def test_the_embedding_example_writes_what_ugatit_infer_writes(build, models, tmp_path):
    model = models / "inline" / "demo_shapes_a2b_a2b_fp32.onnx"
    photo = photo_paths()[1]
    example = build.dir / "examples" / "translate_image"
    done = subprocess.run([example, model, photo, tmp_path / "example.png"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "OpenVINO: yes" in done.stdout and "model input: 64 x 64" in done.stdout
    assert _cpp_infer(build, "--model", model, "--in", photo, "--out", tmp_path / "cli").returncode == 0
    written = np.asarray(Image.open(tmp_path / "example.png"))
    assert np.array_equal(written, np.asarray(Image.open(tmp_path / "cli" / f"{photo.stem}.png")))
