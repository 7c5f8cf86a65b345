"""Issue 23 (C++ part): the C++ runner checks the resource limits of ugatit_deploy/core/limits.json before the
allocation they bound. Images whose headers lie (tests/support/hostile_files.py) are refused from the header with
a message naming the limit and how to raise it, at a small peak memory (C1, C2); sidecars declaring huge models are
refused when parsed (C3); the environment variables and ugatit-infer's options move the limits."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from support.cpp_build import NO_TOOLCHAIN, NO_TOOLCHAIN_REASON, Build, export_inline_onnx, run_measured
from support.hostile_files import jpeg_claiming, png_claiming

pytestmark = [pytest.mark.cpp, pytest.mark.slow, pytest.mark.skipif(NO_TOOLCHAIN, reason=NO_TOOLCHAIN_REASON)]

PEAK_MB = 100  # a refused file costs the process's own start-up, not the image it claims
SIDE = "a side over the limit of 32,768 pixels (raise it with --max-image-side or UGATIT_MAX_IMAGE_SIDE)"
PIXELS = "over the limit of 100,000,000 pixels (raise it with --max-image-pixels or UGATIT_MAX_IMAGE_PIXELS)"
MODEL = "over the limit of 1024 (raise it with --max-model-size or UGATIT_MAX_MODEL_SIZE)"
LIMIT_VARIABLES = ("UGATIT_MAX_IMAGE_PIXELS", "UGATIT_MAX_IMAGE_SIDE", "UGATIT_MAX_MODEL_SIZE", "UGATIT_MAX_BATCH")


@pytest.fixture(scope="module")
def build(cpp_build: Build) -> Build:
    cpp_build.require("libpng", "libjpeg")
    return cpp_build


def _environment(**limits: str) -> dict[str, str]:
    """This process's environment without any limit variable, plus ``limits``."""
    env = {key: value for key, value in os.environ.items() if key not in LIMIT_VARIABLES}
    return {**env, **limits}


def _preprocess(build: Build, image: Path, out: Path, **limits: str):
    return run_measured([build.tool("ugatit-preprocess"), image, "64", out], env=_environment(**limits))


def _refused(done, peak_mb: float, out: Path, *fragments: str) -> str:
    lines = done.stderr.splitlines()
    assert done.returncode != 0 and len(lines) == 1, done.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert peak_mb < PEAK_MB, f"peak {peak_mb:.0f} MB for a refused file"
    assert not out.exists()
    print(f"refused at a peak of {peak_mb:.1f} MB: {lines[0]}")
    return lines[0]


def test_a_progressive_jpeg_claiming_65500_px_is_refused_from_its_header(build, tmp_path):
    image = tmp_path / "photo.jpg"
    image.write_bytes(jpeg_claiming(65500, 65500, progressive=True))
    assert image.stat().st_size < 2000
    done, peak = _preprocess(build, image, tmp_path / "out.bin")
    _refused(done, peak, tmp_path / "out.bin", f"{image} is 65500 x 65500: {SIDE}")


@pytest.mark.parametrize("progressive", [True, False], ids=["progressive", "baseline"])
def test_a_jpeg_claiming_16384_px_is_refused(build, tmp_path, progressive):
    image = tmp_path / "photo.jpg"
    image.write_bytes(jpeg_claiming(16384, 16384, progressive=progressive))
    done, peak = _preprocess(build, image, tmp_path / "out.bin")
    _refused(done, peak, tmp_path / "out.bin", f"{image} is 16384 x 16384 (268,435,456 pixels): {PIXELS}")


def test_a_16_bit_png_claiming_16384_px_is_refused(build, tmp_path):
    image = tmp_path / "photo.png"
    image.write_bytes(png_claiming(16384, 16384, bit_depth=16))
    done, peak = _preprocess(build, image, tmp_path / "out.bin")
    _refused(done, peak, tmp_path / "out.bin", f"{image} is 16384 x 16384 (268,435,456 pixels): {PIXELS}")


def test_a_ppm_claiming_65500_px_is_refused(build, tmp_path):
    image = tmp_path / "photo.ppm"
    image.write_bytes(b"P6\n65500 65500\n255\n" + bytes(3000))
    done, peak = _preprocess(build, image, tmp_path / "out.bin")
    _refused(done, peak, tmp_path / "out.bin", f"{image} is 65500 x 65500: {SIDE}")


def test_the_environment_moves_the_image_limits(build, tmp_path):
    image = tmp_path / "real.png"
    Image.fromarray(np.random.default_rng(3).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(image)
    out = tmp_path / "out.bin"
    done, peak = _preprocess(build, image, out, UGATIT_MAX_IMAGE_PIXELS="1000")
    _refused(done, peak, out, "is 64 x 64 (4,096 pixels): over the limit of 1,000 pixels (raise it with")
    done, _ = _preprocess(build, image, out, UGATIT_MAX_IMAGE_SIDE="63")
    _refused(done, 0, out, "is 64 x 64: a side over the limit of 63 pixels")
    done, _ = _preprocess(build, image, out, UGATIT_MAX_IMAGE_PIXELS="lots")
    _refused(done, 0, out, "UGATIT_MAX_IMAGE_PIXELS / --max-image-pixels must be a positive integer, got 'lots'")
    done, _ = _preprocess(build, image, out)
    assert done.returncode == 0 and out.stat().st_size == 3 * 64 * 64 * 4, done.stderr
    # ... and a limit raised to the image's size lets it through
    done, _ = _preprocess(build, image, out, UGATIT_MAX_IMAGE_SIDE="64", UGATIT_MAX_IMAGE_PIXELS="4096")
    assert done.returncode == 0, done.stderr


# ---------------------------------------------------------------------------------------- models (ugatit-infer)


@pytest.fixture(scope="module")
def onnx_model(build, tmp_path_factory) -> Path:
    pytest.importorskip("openvino", reason="OpenVINO is not installed: pip install 'ugatit-deploy[openvino]'")
    if not build.has_openvino:
        pytest.skip("the C++ runner was built without OpenVINO: ugatit-infer is not built")
    return export_inline_onnx(tmp_path_factory.mktemp("limits-onnx"))


@pytest.fixture
def photo(tmp_path) -> Path:
    path = tmp_path / "in" / "photo.png"
    path.parent.mkdir()
    Image.fromarray(np.random.default_rng(4).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(path)
    return path


def _with_sidecar(model: Path, folder: Path, edit) -> Path:
    copy = folder / model.name
    shutil.copy(model, copy)
    sidecar = json.loads(Path(f"{model}.json").read_text())
    edit(sidecar)
    Path(f"{copy}.json").write_text(json.dumps(sidecar))
    return copy


def _infer(build: Build, model: Path, image: Path, out: Path, *options: str, **limits: str):
    command = [build.tool("ugatit-infer"), "--model", model, "--in", image, "--out", out, *options]
    return run_measured(command, env=_environment(**limits))


@pytest.mark.parametrize("size", [4096, 16384, 2**30, 2**31])
def test_a_sidecar_declaring_a_huge_img_size_is_refused(build, onnx_model, photo, tmp_path, size):
    model = _with_sidecar(onnx_model, tmp_path, lambda sidecar: sidecar["model"].update(img_size=size))
    done, peak = _infer(build, model, photo, tmp_path / "out")
    line = _refused(done, peak, tmp_path / "out", f"{model}.json: model.img_size is {size}: {MODEL}")
    assert line.startswith("ugatit-infer: error: ") and "-2147483648" not in line


def test_a_sidecar_declaring_a_huge_fixed_input_is_refused(build, onnx_model, photo, tmp_path):
    model = _with_sidecar(onnx_model, tmp_path, lambda sidecar: sidecar["io"]["input"].update(shape=[1, 3, 4096, 4096]))
    done, peak = _infer(build, model, photo, tmp_path / "out")
    _refused(done, peak, tmp_path / "out", "io.input.shape[2] is 4096: over the limit of 1024")
    model = _with_sidecar(onnx_model, tmp_path, lambda sidecar: sidecar["io"]["input"].update(shape=[2**31, 3, 64, 64]))
    done, peak = _infer(build, model, photo, tmp_path / "out")
    batch = "io.input.shape[0] is 2147483648: over the limit of 64 (raise it with --max-batch or UGATIT_MAX_BATCH)"
    _refused(done, peak, tmp_path / "out", batch)


def test_ugatit_infer_options_and_variables_move_the_limits(build, onnx_model, photo, tmp_path):
    out = tmp_path / "out"
    done, _ = _infer(build, onnx_model, photo, out, "--max-model-size", "32")
    _refused(done, 0, out, "model.img_size is 64: over the limit of 32")
    done, _ = _infer(build, onnx_model, photo, out, UGATIT_MAX_MODEL_SIZE="32")
    _refused(done, 0, out, "model.img_size is 64: over the limit of 32")
    done, _ = _infer(build, onnx_model, photo, out, "--max-image-pixels", "1000")
    assert done.returncode != 0 and "photo.png is 64 x 64 (4,096 pixels): over the limit of 1,000" in done.stderr
    assert list(out.iterdir()) == []  # nothing half-written
    done, _ = _infer(build, onnx_model, photo, out, "--max-batch", "none")
    _refused(done, 0, tmp_path / "absent", "--max-batch must be a positive integer, got 'none'")
    # the option wins over the variable: a variable that refuses the image, an option that lets it through
    done, _ = _infer(build, onnx_model, photo, out, "--max-image-pixels", "4096", UGATIT_MAX_IMAGE_PIXELS="1000")
    assert done.returncode == 0 and (out / "photo.png").is_file(), done.stderr
