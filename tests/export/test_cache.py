"""Exports kept under a key of their inputs (``export.cache``): a second export of the same model, form and
options copies the cached files; another checkpoint, form or calibration set exports again; a failed
export is remembered."""

from __future__ import annotations

import shutil

import pytest
from support.models import TINY, make_generator

from ugatit_deploy import save_generator
from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.core.metadata import read_sidecar
from ugatit_deploy.export import cache as export_cache
from ugatit_deploy.export.cache import cached_export, export_key
from ugatit_deploy.export.onnx_graph import ExportError
from ugatit_deploy.formats.onnx import ONNX
from ugatit_deploy.forms.transforms.int8_options import Int8Options

SHAPES = shapes_model_path()


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("UGATIT_DEPLOY_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.mark.slow
def test_the_second_export_is_copied_from_the_cache_and_says_so(fresh_cache):
    first, second = [], []
    files = cached_export(SHAPES, "a2b", "fp32", ONNX, Int8Options(), first.append)
    again = cached_export(SHAPES, "a2b", "fp32", ONNX, Int8Options(), second.append)
    assert files == again and [p.name for p in files] == ["demo_shapes_a2b_a2b_fp32.onnx",
                                                          "demo_shapes_a2b_a2b_fp32.onnx.json"]  # fmt: skip
    assert any(line.startswith("exporting") for line in first)
    assert second == [f"  fp32: reusing the onnx export cached for this checkpoint, options and versions "
                      f"({export_key(SHAPES, 'a2b', 'fp32', ONNX, Int8Options())})"]  # fmt: skip


@pytest.mark.slow
def test_a_damaged_cached_file_is_exported_again(fresh_cache):
    (path, _sidecar) = cached_export(SHAPES, "a2b", "fp32", ONNX, Int8Options(), lambda _: None)
    path.write_bytes(path.read_bytes()[:-10])
    lines = []
    cached_export(SHAPES, "a2b", "fp32", ONNX, Int8Options(), lines.append)
    assert any(line.startswith("exporting") for line in lines)
    assert read_sidecar(path).validation.passed


def test_the_key_follows_the_checkpoint_the_form_and_the_calibration_images(tmp_path, fresh_cache):
    other = tmp_path / "other.pt"
    save_generator(make_generator(TINY, seed=1), other)
    calib = tmp_path / "calib"
    calib.mkdir()
    photo = next(p for p in (SHAPES.parent / "photos").iterdir() if p.suffix == ".png")
    shutil.copy(photo, calib / "a.png")
    keys = {export_key(SHAPES, "a2b", "int8-cpu", ONNX, Int8Options()),
            export_key(other, "a2b", "int8-cpu", ONNX, Int8Options()),
            export_key(SHAPES, "a2b", "int8", ONNX, Int8Options()),
            export_key(SHAPES, "a2b", "int8-cpu", ONNX, Int8Options(calib_images=8)),
            export_key(SHAPES, "a2b", "int8-cpu", ONNX, Int8Options(calib=calib))}  # fmt: skip
    (calib / "a.png").write_bytes((calib / "a.png").read_bytes() + b"\0")  # the same folder, other bytes
    keys.add(export_key(SHAPES, "a2b", "int8-cpu", ONNX, Int8Options(calib=calib)))
    assert len(keys) == 6
    # the INT8 options do not matter to a form that is not calibrated
    assert export_key(SHAPES, "a2b", "fp32", ONNX, Int8Options(calib_images=8)) == export_key(
        SHAPES, "a2b", "fp32", ONNX, Int8Options()
    )


def test_a_failed_export_is_remembered_with_its_message(fresh_cache, monkeypatch):
    calls = []

    def failing(*args, **kwargs):
        calls.append(args)
        raise ExportError("PSNR 27.5 dB < 30 dB")

    monkeypatch.setattr("ugatit_deploy.export.pipeline.export_checkpoint", failing)
    for _ in range(2):
        with pytest.raises(ExportError, match="^PSNR 27.5 dB < 30 dB$"):
            cached_export(SHAPES, "a2b", "fp16", ONNX, Int8Options(), lambda _: None)
    assert len(calls) == 1 and export_cache.KIND == "exports"
