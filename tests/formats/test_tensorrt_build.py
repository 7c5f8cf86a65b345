"""TensorRT engine building (``formats.tensorrt_build``): profiles, typing per version, the trtexec line,
sidecar, error paths. TensorRT cannot be installed here: the builder flow runs against a recording stand-in."""

from __future__ import annotations

import importlib.util
import shutil
import sys

import pytest
from click.testing import CliRunner
from support.fake_tensorrt import make_fake_tensorrt
from support.models import SMALL, make_generator

from ugatit_deploy import save_generator
from ugatit_deploy.cli import main
from ugatit_deploy.core.fileio import file_sha256
from ugatit_deploy.core.metadata import read_onnx_record, read_sidecar, sidecar_path
from ugatit_deploy.export import export_checkpoint
from ugatit_deploy.formats import tensorrt_build as tb
from ugatit_deploy.formats.tensorrt_build import BuildError, BuildOptions, make_profile, parse_sizes, typing_mode


def _record(trt_onnx_files, name):
    return read_onnx_record(trt_onnx_files[name])


def test_profile_defaults_to_the_model_size_and_batch_1_1_8(trt_onnx_files):
    profile = make_profile(_record(trt_onnx_files, "light"), BuildOptions())
    assert (profile.name, profile.min, profile.opt, profile.max) == (
        "input",
        (1, 3, 64, 64),
        (1, 3, 64, 64),
        (8, 3, 64, 64),
    )


def test_light_model_takes_a_spatial_range(trt_onnx_files):
    options = BuildOptions(batch=(1, 4, 16), sizes=parse_sizes("32x32,64x96,128x128"))
    profile = make_profile(_record(trt_onnx_files, "light"), options)
    assert (profile.min, profile.opt, profile.max) == ((1, 3, 32, 32), (4, 3, 64, 96), (16, 3, 128, 128))


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("full", BuildOptions(sizes=parse_sizes("128x128")), "only takes 64x64"),
        ("light", BuildOptions(sizes=parse_sizes("30x30")), "multiples of 4"),
        ("light", BuildOptions(sizes=parse_sizes("64x64,32x32,128x128")), "min <= opt <= max"),
        ("static", BuildOptions(batch=(1, 2, 4)), "static batch"),
    ],
)
def test_profiles_a_model_cannot_take_are_refused(trt_onnx_files, name, options, message):
    with pytest.raises(BuildError, match=message):
        make_profile(_record(trt_onnx_files, name), options)


@pytest.mark.parametrize("text", ["64", "64x", "1x2,3x4", "axb"])
def test_bad_shape_text(text):
    with pytest.raises(BuildError, match="--shape must be"):
        parse_sizes(text)


@pytest.mark.parametrize(
    ("precision", "version", "expected"),
    [
        ("fp16", "11.4.0", (True, [])),
        ("int8", "11.0.0", (True, [])),
        ("fp16", "10.12.0", (True, [])),
        ("fp16", "10.8.0", (False, ["FP16"])),
        ("int8", "10.3.0", (False, ["INT8", "FP16"])),
        ("fp32", "10.0.1", (False, [])),
    ],
)
def test_typing_mode_per_tensorrt_version(precision, version, expected):
    assert typing_mode(precision, version) == expected


def test_trtexec_line_for_tensorrt_11_and_10(trt_onnx_files, tmp_path):
    record = _record(trt_onnx_files, "light")
    options = BuildOptions(batch=(1, 2, 4), timing_cache=tmp_path / "t.cache", hardware_compat="ampere+")
    profile = make_profile(record, options)
    line11 = tb.trtexec_command(trt_onnx_files["light"], tmp_path / "m.plan", profile, options, "fp16", "11.4.0")
    assert line11.startswith(f"trtexec --onnx={trt_onnx_files['light']} --saveEngine={tmp_path / 'm.plan'}")
    assert "--minShapes=input:1x3x64x64 --optShapes=input:2x3x64x64 --maxShapes=input:4x3x64x64" in line11
    assert "--fp16" not in line11 and "--stronglyTyped" not in line11
    assert f"--timingCacheFile={tmp_path / 't.cache'}" in line11 and "--hardwareCompatibilityLevel=ampere+" in line11
    light = trt_onnx_files["light"]
    assert "--fp16" in tb.trtexec_command(light, tmp_path / "m.plan", profile, options, "fp16", "10.8.0")
    assert "--stronglyTyped" in tb.trtexec_command(
        trt_onnx_files["light"], tmp_path / "m.plan", profile, options, "fp16", "10.14.1"
    )


@pytest.mark.parametrize(("version", "strong"), [("11.4.0", True), ("10.8.0", False)])
def test_build_flow_against_the_tensorrt_api(trt_onnx_files, tmp_path, monkeypatch, version, strong):
    fake = make_fake_tensorrt(version)
    monkeypatch.setitem(sys.modules, "tensorrt", fake)
    monkeypatch.setattr(tb, "_gpu", lambda: {"name": "Fake GPU", "compute_capability": "9.0"})
    cache = tmp_path / "timing.cache"
    result = tb.build_engine(
        trt_onnx_files["light"], tmp_path / "e.plan", BuildOptions(timing_cache=cache), log=lambda _: None
    )

    assert result.engine.read_bytes() == b"PLAN-BYTES"  # the raw plan, nothing prepended
    assert cache.read_bytes() == b"timing-cache"
    calls = fake.calls
    assert ("create_network", 1 << 1 if strong else 0) in calls
    assert ("set_shape", "input", (1, 3, 64, 64), (1, 3, 64, 64), (8, 3, 64, 64)) in calls
    assert ("build", [] if strong else ["FP16"]) in calls
    assert ("config.builder_optimization_level", 3) in calls
    sidecar = read_sidecar(result.engine)
    assert sidecar == result.record and sidecar.kind == "tensorrt-plan" and sidecar.precision == "fp16"
    assert sidecar.tensorrt.version == version and sidecar.tensorrt.compute_capability == "9.0"
    assert sidecar.tensorrt.strongly_typed is strong and sidecar.validation is None
    assert sidecar.tensorrt.onnx_sha256 == file_sha256(trt_onnx_files["light"])
    assert sidecar.tensorrt.trtexec == result.trtexec
    assert sidecar.size_bytes == len(b"PLAN-BYTES")


def test_an_engine_built_beside_its_onnx_keeps_both_sidecars(trt_onnx_files, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorrt", make_fake_tensorrt("11.4.0"))
    monkeypatch.setattr(tb, "_gpu", lambda: {"name": "Fake GPU", "compute_capability": "9.0"})
    onnx_path = tmp_path / "m.onnx"
    shutil.copy(trt_onnx_files["light"], onnx_path)
    shutil.copy(sidecar_path(trt_onnx_files["light"]), sidecar_path(onnx_path))
    result = tb.build_engine(onnx_path, log=lambda _: None)  # default: m.plan in the same folder
    assert result.engine == tmp_path / "m.plan" and result.sidecar == tmp_path / "m.plan.json"
    assert read_sidecar(onnx_path).kind == "onnx"
    assert read_sidecar(result.engine).kind == "tensorrt-plan"


def test_a_plan_of_an_onnx_without_sidecar_gets_a_complete_sidecar(trt_onnx_files, tmp_path, monkeypatch):
    # Older builds copied the ONNX's embedded metadata as it was: no schema, and no version could read it.
    monkeypatch.setitem(sys.modules, "tensorrt", make_fake_tensorrt("11.4.0"))
    monkeypatch.setattr(tb, "_gpu", lambda: {"name": "Fake GPU", "compute_capability": "9.0"})
    onnx_path = tmp_path / "bare.onnx"
    shutil.copy(trt_onnx_files["light"], onnx_path)  # no sidecar: the record comes from its metadata_props
    result = tb.build_engine(onnx_path, log=lambda _: None)
    plan = read_sidecar(result.engine)
    assert plan.schema == "ugatit-deploy/artifact" and plan.kind == "tensorrt-plan" and plan.opset == 18
    assert plan.model == read_onnx_record(onnx_path).model and plan.tensorrt.onnx == "bare.onnx"


def test_parse_failure_is_reported_and_nothing_written(trt_onnx_files, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorrt", make_fake_tensorrt("11.4.0", parse_ok=False))
    monkeypatch.setattr(tb, "_gpu", lambda: {"name": "Fake GPU", "compute_capability": "9.0"})
    with pytest.raises(BuildError, match="cannot parse .*Unsupported op: Foo"):
        tb.build_engine(trt_onnx_files["light"], tmp_path / "e.plan", log=lambda _: None)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_fp32_engines_are_built_without_tf32(tmp_path, monkeypatch):
    ckpt = tmp_path / "g.pt"
    save_generator(make_generator(SMALL), ckpt)
    (onnx32,) = export_checkpoint(ckpt, out=tmp_path, precisions=("fp32",), log=lambda _: None)
    fake = make_fake_tensorrt("11.4.0")
    monkeypatch.setitem(sys.modules, "tensorrt", fake)
    monkeypatch.setattr(tb, "_gpu", lambda: {"name": "Fake GPU", "compute_capability": "9.0"})
    tb.build_engine(onnx32, log=lambda _: None)
    assert ("clear_flag", fake.BuilderFlag.TF32) in fake.calls


def _cli(*args):
    return CliRunner().invoke(main, ["build", *map(str, args)])


def test_an_onnx_that_is_not_ours_is_refused(tmp_path):
    import onnx

    model = onnx.helper.make_model(onnx.helper.make_graph([], "empty", [], []))
    onnx.save(model, tmp_path / "foreign.onnx")
    result = _cli("--onnx", tmp_path / "foreign.onnx", "--dry-run")
    assert result.exit_code == 1 and "has no ugatit-deploy metadata" in result.output


@pytest.mark.skipif(importlib.util.find_spec("tensorrt") is None, reason="TensorRT is not installable here")
@pytest.mark.gpu
def test_real_engine_build(trt_onnx_files, tmp_path):  # pragma: no cover - runs only where TensorRT exists
    result = tb.build_engine(trt_onnx_files["light"], tmp_path / "e.plan", log=lambda _: None)
    assert result.engine.stat().st_size > 0
