"""Issue 23 (C++ part): ugatit-infer checks an artifact against the size_bytes and sha256 its sidecar records before
OpenVINO parses it: a damaged (one byte changed) or truncated ONNX is one error line; the C++ SHA-256 agrees with
Python's hashlib on a real file; a sidecar from before the hashes were recorded checks nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from support.cpp_build import NO_TOOLCHAIN, NO_TOOLCHAIN_REASON, Build, export_inline_onnx, run_measured

pytestmark = [pytest.mark.cpp, pytest.mark.slow, pytest.mark.skipif(NO_TOOLCHAIN, reason=NO_TOOLCHAIN_REASON)]

MISMATCH = "does not match the sha256 its sidecar records: the file is damaged or was changed (export it again)"


@pytest.fixture(scope="module")
def build(cpp_build: Build) -> Build:
    pytest.importorskip("openvino", reason="OpenVINO is not installed: pip install 'ugatit-deploy[openvino]'")
    if not cpp_build.has_openvino:
        pytest.skip("the C++ runner was built without OpenVINO: ugatit-infer is not built")
    return cpp_build


@pytest.fixture(scope="module")
def onnx_model(build, tmp_path_factory) -> Path:
    return export_inline_onnx(tmp_path_factory.mktemp("integrity-onnx"))


@pytest.fixture
def photo(tmp_path) -> Path:
    path = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(5).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(path)
    return path


def _copy(model: Path, folder: Path, content: bytes | None = None, edit=None) -> Path:
    copy = folder / model.name
    copy.write_bytes(model.read_bytes() if content is None else content)
    sidecar = json.loads(Path(f"{model}.json").read_text())
    if edit:
        edit(sidecar)
    Path(f"{copy}.json").write_text(json.dumps(sidecar))
    return copy


def _infer(build: Build, model: Path, image: Path, out: Path):
    return run_measured([build.tool("ugatit-infer"), "--model", model, "--in", image, "--out", out])


def _one_error_line(done, expected: str) -> None:
    lines = done.stderr.splitlines()
    assert done.returncode != 0 and len(lines) == 1, done.stderr
    assert lines[0].startswith("ugatit-infer: error: ") and expected in lines[0], lines[0]


def test_an_intact_export_passes_the_check(build, onnx_model, photo, tmp_path):
    sidecar = json.loads(Path(f"{onnx_model}.json").read_text())
    assert sidecar["sha256"] == hashlib.sha256(onnx_model.read_bytes()).hexdigest()
    done, _ = _infer(build, onnx_model, photo, tmp_path / "out")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert (tmp_path / "out" / "photo.png").is_file()


def test_a_damaged_onnx_of_the_same_size_is_refused_by_its_hash(build, onnx_model, photo, tmp_path):
    data = bytearray(onnx_model.read_bytes())
    data[len(data) // 2] ^= 0x01
    model = _copy(onnx_model, tmp_path, bytes(data))
    assert model.stat().st_size == onnx_model.stat().st_size
    done, peak = _infer(build, model, photo, tmp_path / "out")
    _one_error_line(done, f"{model} {MISMATCH}")
    assert not (tmp_path / "out").exists()
    print(f"damaged ONNX refused at a peak of {peak:.1f} MB")


def test_a_truncated_onnx_is_refused_by_its_size(build, onnx_model, photo, tmp_path):
    model = _copy(onnx_model, tmp_path, onnx_model.read_bytes()[:-100])
    done, _ = _infer(build, model, photo, tmp_path / "out")
    _one_error_line(done, f"{model} {MISMATCH}")
    assert not (tmp_path / "out").exists()


def test_the_cpp_sha256_agrees_with_hashlib(build, onnx_model, photo, tmp_path):
    """A 1 MB + 3 byte random file, not an ONNX: with hashlib's digest and size in its sidecar it passes the check
    (OpenVINO then refuses to parse it); with one hex digit of that digest changed, the check refuses it."""
    content = np.random.default_rng(6).integers(0, 256, 2**20 + 3, dtype=np.uint8).tobytes()
    digest = hashlib.sha256(content).hexdigest()

    def record(value: str):
        return lambda sidecar: sidecar.update(sha256=value, size_bytes=len(content))

    model = _copy(onnx_model, tmp_path, content, record(digest))
    done, _ = _infer(build, model, photo, tmp_path / "out")
    # past the check; OpenVINO's frontends may log their own lines before the one error line
    assert done.returncode != 0 and MISMATCH not in done.stderr, done.stderr
    assert f"ugatit-infer: error: openvino cannot read {model.name}" in done.stderr.splitlines()[-1], done.stderr
    wrong = digest[:-1] + ("0" if digest[-1] != "0" else "1")
    model = _copy(onnx_model, tmp_path, content, record(wrong.upper()))
    done, _ = _infer(build, model, photo, tmp_path / "out")
    _one_error_line(done, MISMATCH)


def test_a_sidecar_without_hashes_is_refused(build, onnx_model, photo, tmp_path):
    """Every sidecar ugatit-deploy wrote records sha256 and size_bytes: one without them was edited (docs/cpp.md)."""

    def forget(sidecar):
        del sidecar["sha256"], sidecar["size_bytes"]

    model = _copy(onnx_model, tmp_path, edit=forget)
    done, _ = _infer(build, model, photo, tmp_path / "out")
    _one_error_line(done, f"{model}: its sidecar records no sha256 / size_bytes (export it again)")
