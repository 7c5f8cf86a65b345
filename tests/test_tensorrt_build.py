"""TensorRT engine building: profiles, typing per version, the trtexec line, sidecar, error paths.

TensorRT cannot be installed here; the builder flow runs against a recording stand-in of its API
(tests/fake_tensorrt.py), and the real-engine test skips with the reason."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys

import pytest
from click.testing import CliRunner
from conftest import make_generator
from fake_tensorrt import make_fake_tensorrt

from ugatit_deploy import save_generator
from ugatit_deploy.cli import main
from ugatit_deploy.export import GraphOptions, export_checkpoint
from ugatit_deploy.export import tensorrt_build as tb
from ugatit_deploy.export.tensorrt_build import BuildError, BuildOptions, make_profile, parse_sizes, typing_mode
from ugatit_deploy.metadata import read_sidecar, sidecar_path
from ugatit_deploy.model import GeneratorConfig

LIGHT = GeneratorConfig(ngf=4, n_blocks=1, img_size=64, light=True)
FULL = GeneratorConfig(ngf=4, n_blocks=1, img_size=64, light=False)


@pytest.fixture(scope="module")
def onnx_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("trt")
    files = {}
    for name, config in (("light", LIGHT), ("full", FULL)):
        ckpt = root / f"{name}.pt"
        save_generator(make_generator(config), ckpt)
        (files[name],) = export_checkpoint(ckpt, out=root, precisions=("fp16",), log=lambda _: None)
    (files["static"],) = export_checkpoint(
        root / "light.pt", out=root / "static.onnx", options=GraphOptions(dynamic_batch=False), log=lambda _: None
    )
    return files


def _record(onnx_files, name):
    return tb.onnx_record(onnx_files[name])


def test_profile_defaults_to_the_model_size_and_batch_1_1_8(onnx_files):
    profile = make_profile(_record(onnx_files, "light"), BuildOptions())
    assert (profile.name, profile.min, profile.opt, profile.max) == (
        "input",
        (1, 3, 64, 64),
        (1, 3, 64, 64),
        (8, 3, 64, 64),
    )


def test_light_model_takes_a_spatial_range(onnx_files):
    options = BuildOptions(batch=(1, 4, 16), sizes=parse_sizes("32x32,64x96,128x128"))
    profile = make_profile(_record(onnx_files, "light"), options)
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
def test_profiles_a_model_cannot_take_are_refused(onnx_files, name, options, message):
    with pytest.raises(BuildError, match=message):
        make_profile(_record(onnx_files, name), options)


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


def test_trtexec_line_for_tensorrt_11_and_10(onnx_files, tmp_path):
    record = _record(onnx_files, "light")
    options = BuildOptions(batch=(1, 2, 4), timing_cache=tmp_path / "t.cache", hardware_compat="ampere+")
    profile = make_profile(record, options)
    line11 = tb.trtexec_command(onnx_files["light"], tmp_path / "m.plan", profile, options, "fp16", "11.4.0")
    assert line11.startswith(f"trtexec --onnx={onnx_files['light']} --saveEngine={tmp_path / 'm.plan'}")
    assert "--minShapes=input:1x3x64x64 --optShapes=input:2x3x64x64 --maxShapes=input:4x3x64x64" in line11
    assert "--fp16" not in line11 and "--stronglyTyped" not in line11
    assert f"--timingCacheFile={tmp_path / 't.cache'}" in line11 and "--hardwareCompatibilityLevel=ampere+" in line11
    assert "--fp16" in tb.trtexec_command(onnx_files["light"], tmp_path / "m.plan", profile, options, "fp16", "10.8.0")
    assert "--stronglyTyped" in tb.trtexec_command(
        onnx_files["light"], tmp_path / "m.plan", profile, options, "fp16", "10.14.1"
    )


@pytest.mark.parametrize(("version", "strong"), [("11.4.0", True), ("10.8.0", False)])
def test_build_flow_against_the_tensorrt_api(onnx_files, tmp_path, monkeypatch, version, strong):
    fake = make_fake_tensorrt(version)
    monkeypatch.setitem(sys.modules, "tensorrt", fake)
    monkeypatch.setattr(tb, "_gpu", lambda: {"name": "Fake GPU", "compute_capability": "9.0"})
    cache = tmp_path / "timing.cache"
    result = tb.build_engine(
        onnx_files["light"], tmp_path / "e.plan", BuildOptions(timing_cache=cache), log=lambda _: None
    )

    assert result.engine.read_bytes() == b"PLAN-BYTES"  # the raw plan, nothing prepended
    assert cache.read_bytes() == b"timing-cache"
    calls = fake.calls
    assert ("create_network", 1 << 1 if strong else 0) in calls
    assert ("set_shape", "input", (1, 3, 64, 64), (1, 3, 64, 64), (8, 3, 64, 64)) in calls
    assert ("build", [] if strong else ["FP16"]) in calls
    assert ("config.builder_optimization_level", 3) in calls
    sidecar = json.loads(result.sidecar.read_text())
    assert sidecar["kind"] == "tensorrt-plan" and sidecar["precision"] == "fp16"
    assert sidecar["tensorrt"]["version"] == version and sidecar["tensorrt"]["compute_capability"] == "9.0"
    assert sidecar["tensorrt"]["strongly_typed"] is strong
    assert sidecar["tensorrt"]["onnx_sha256"] and sidecar["tensorrt"]["trtexec"] == result.trtexec
    assert sidecar["size_bytes"] == len(b"PLAN-BYTES")


def test_an_engine_built_beside_its_onnx_keeps_both_sidecars(onnx_files, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorrt", make_fake_tensorrt("11.4.0"))
    monkeypatch.setattr(tb, "_gpu", lambda: {"name": "Fake GPU", "compute_capability": "9.0"})
    onnx_path = tmp_path / "m.onnx"
    shutil.copy(onnx_files["light"], onnx_path)
    shutil.copy(sidecar_path(onnx_files["light"]), sidecar_path(onnx_path))
    result = tb.build_engine(onnx_path, log=lambda _: None)  # default: m.plan in the same folder
    assert result.engine == tmp_path / "m.plan" and result.sidecar == tmp_path / "m.plan.json"
    assert read_sidecar(onnx_path)["kind"] == "onnx"
    assert read_sidecar(result.engine)["kind"] == "tensorrt-plan"


def test_parse_failure_is_reported_and_nothing_written(onnx_files, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorrt", make_fake_tensorrt("11.4.0", parse_ok=False))
    monkeypatch.setattr(tb, "_gpu", lambda: {"name": "Fake GPU", "compute_capability": "9.0"})
    with pytest.raises(BuildError, match="cannot parse .*Unsupported op: Foo"):
        tb.build_engine(onnx_files["light"], tmp_path / "e.plan", log=lambda _: None)
    assert list(tmp_path.iterdir()) == []


def test_fp32_engines_are_built_without_tf32(tmp_path, monkeypatch):
    ckpt = tmp_path / "g.pt"
    save_generator(make_generator(LIGHT), ckpt)
    (onnx32,) = export_checkpoint(ckpt, out=tmp_path, precisions=("fp32",), log=lambda _: None)
    fake = make_fake_tensorrt("11.4.0")
    monkeypatch.setitem(sys.modules, "tensorrt", fake)
    monkeypatch.setattr(tb, "_gpu", lambda: {"name": "Fake GPU", "compute_capability": "9.0"})
    tb.build_engine(onnx32, log=lambda _: None)
    assert ("clear_flag", fake.BuilderFlag.TF32) in fake.calls


def _cli(*args):
    return CliRunner().invoke(main, ["build", *map(str, args)])


@pytest.mark.skipif(importlib.util.find_spec("tensorrt") is not None, reason="TensorRT is installed here")
def test_cli_without_tensorrt_says_so_and_exits_2(onnx_files):
    result = _cli("--onnx", onnx_files["light"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Error: TensorRT is not installed: `pip install ugatit-deploy[tensorrt]` on a machine with an NVIDIA GPU "
        "(or use --dry-run to print the trtexec command)"
    )


def test_cli_dry_run_prints_the_trtexec_line(onnx_files, monkeypatch):
    monkeypatch.setenv("UGATIT_TRT_VERSION", "11.4.0")
    result = _cli("--onnx", onnx_files["full"], "--batch", "1,2,4", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("trtexec --onnx=") and "--maxShapes=input:4x3x64x64" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--onnx", "/nonexistent.onnx", "--dry-run"], "ONNX file not found"),
        (["--batch", "4,2,1"], "1 <= min <= opt <= max"),
        (["--opt-level", "9"], "--opt-level must be 0-5"),
        (["--shape", "100x100", "--dry-run"], "only takes 64x64"),
    ],
)
def test_cli_bad_input(onnx_files, args, message):
    base = [] if "--onnx" in args else ["--onnx", onnx_files["full"]]
    result = _cli(*base, *args)
    assert result.exit_code != 0 and message in result.output


def test_an_onnx_that_is_not_ours_is_refused(tmp_path):
    import onnx

    model = onnx.helper.make_model(onnx.helper.make_graph([], "empty", [], []))
    onnx.save(model, tmp_path / "foreign.onnx")
    result = _cli("--onnx", tmp_path / "foreign.onnx", "--dry-run")
    assert result.exit_code == 1 and "has no ugatit-deploy metadata" in result.output


@pytest.mark.skipif(importlib.util.find_spec("tensorrt") is None, reason="TensorRT is not installable here")
def test_real_engine_build(onnx_files, tmp_path):  # pragma: no cover - runs only where TensorRT exists
    result = tb.build_engine(onnx_files["light"], tmp_path / "e.plan", log=lambda _: None)
    assert result.engine.stat().st_size > 0
