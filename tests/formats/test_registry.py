"""The format registry (``formats.registry``): what a model file is, and what adding a format takes."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from PIL import Image
from support.fancy_format import FANCY, FANCY_SPEC

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.backends import BACKENDS, backends_for, open_model
from ugatit_deploy.backends import registry as backend_registry
from ugatit_deploy.benchmarks.plan import plan_cases
from ugatit_deploy.benchmarks.prepare import prepare_artifacts
from ugatit_deploy.benchmarks.settings import BenchSettings
from ugatit_deploy.cli import main
from ugatit_deploy.core.errors import ExportError
from ugatit_deploy.core.metadata import read_sidecar, sidecar_path
from ugatit_deploy.export import export_checkpoint
from ugatit_deploy.export.triton import TritonError, write_triton_repo
from ugatit_deploy.formats import CHECKPOINT, FORMATS, artifact_kind, artifact_kinds, format_of, get_format
from ugatit_deploy.formats import registry as format_registry

SHAPES = str(shapes_model_path())  # the small circles -> squares model: fast to export


def test_the_kind_of_a_model_file_comes_from_its_sidecar_or_suffix(demo_onnx, tmp_path):
    assert artifact_kind(shapes_model_path()) == CHECKPOINT
    assert artifact_kind(demo_onnx) == "onnx"
    assert artifact_kind("model.plan") == artifact_kind("model.engine") == "tensorrt"
    assert artifact_kind("model.mnn") == "mnn" and artifact_kind("model.ncnn.param") == "ncnn"
    renamed = tmp_path / "model.bin"  # a sidecar's kind wins over the suffix
    renamed.write_bytes(demo_onnx.read_bytes())
    sidecar_path(renamed).write_text(sidecar_path(demo_onnx).read_text())
    assert format_of(renamed) is FORMATS["onnx"]


def test_every_format_declares_what_it_is_and_some_backend_runs_it():
    for name, fmt in FORMATS.items():
        assert fmt.name == name and fmt.kind and fmt.suffixes and fmt.describes and fmt.summary
        assert fmt.precisions and (fmt.refusal or fmt.name == "onnx"), name  # every other format says why not
        assert backends_for(name), f"no backend runs {name}"
    suffixes = [suffix for fmt in FORMATS.values() for suffix in fmt.suffixes]
    assert len(suffixes) == len(set(suffixes))
    assert {spec.runs for spec in BACKENDS.values()} == {CHECKPOINT, *FORMATS}
    assert artifact_kinds() == {CHECKPOINT: "a checkpoint", **{n: f.describes for n, f in FORMATS.items()}}


def test_a_precision_a_format_does_not_take_is_refused_with_its_reason():
    with pytest.raises(ExportError, match="--format mnn takes fp32, not fp16: MNN's low-precision mode"):
        get_format("mnn").check_request(("fp32", "fp16"), all_outputs=False)
    with pytest.raises(ExportError, match="--format tensorrt takes fp32, fp16, int8, not int8-cpu: TensorRT takes "
                                          "symmetric INT8"):  # fmt: skip
        get_format("tensorrt").check_request(("int8-cpu",), all_outputs=False)
    with pytest.raises(ExportError, match="unknown --format 'coreml': use onnx, tensorrt, mnn, ncnn"):
        get_format("coreml")


@pytest.fixture
def fancy(monkeypatch):
    """The new format (formats/fancy.py and a line in FORMATS) and its runtime (one BackendSpec)."""
    monkeypatch.setitem(format_registry._REGISTERED, FANCY.name, FANCY)
    monkeypatch.setitem(backend_registry._REGISTRY, FANCY_SPEC.name, FANCY_SPEC)
    return FANCY


@pytest.mark.slow
def test_a_new_format_is_exported_validated_and_named_like_the_others(fancy, tmp_path):
    result = CliRunner().invoke(main, ["export", "--ckpt", SHAPES, "--format", "fancy", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = tmp_path / "demo_shapes_a2b_a2b_fp32.fancy"
    record = read_sidecar(path)
    assert (record.kind, record.precision, record.file, record.validation.passed) == ("fancy", "fp32", path.name, True)
    refused = CliRunner().invoke(main, ["export", "--ckpt", SHAPES, "--format", "fancy", "--precision", "fp16",
                                        "--out", str(tmp_path)])  # fmt: skip
    assert refused.exit_code == 1
    assert refused.output.strip() == "Error: --format fancy takes fp32, not fp16: Fancy computes in float32 only"
    assert artifact_kind(path) == artifact_kind("other.fancy") == "fancy"
    assert artifact_kinds()["fancy"] == "a Fancy model (export --format fancy)"


@pytest.mark.slow
def test_a_new_format_runs_on_its_runtime_through_infer_and_bench(fancy, tmp_path):
    (path,) = export_checkpoint(shapes_model_path(), out=tmp_path, fmt="fancy", log=lambda _: None)
    Image.new("RGB", (64, 64), (200, 30, 30)).save(tmp_path / "in.png")
    result = CliRunner().invoke(main, ["infer", "--model", str(path), str(tmp_path / "in.png"), "--out",
                                       str(tmp_path / "out")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "fancy-cpu fp32" in result.output and (tmp_path / "out" / "in.png").is_file()
    with open_model(path) as runner:
        assert runner.info.backend == "fancy-cpu" and runner.img_size == 64
    settings = BenchSettings(checkpoint=shapes_model_path(), backends=("fancy-cpu",), out=tmp_path / "bench")
    prepared = prepare_artifacts(settings, 64, log=lambda _: None)
    assert [(a.kind, a.path.name, a.precision) for a in prepared.items] == [
        ("fancy", "demo_shapes_a2b_a2b_fp32.fancy", "fp32")
    ]
    cases = plan_cases(settings, prepared)
    assert [(c.backend, c.precision, c.problem) for c in cases] == [("fancy-cpu", "fp32", None)]


@pytest.mark.slow
def test_triton_takes_only_the_formats_that_name_a_platform(fancy, tmp_path):
    (path,) = export_checkpoint(shapes_model_path(), out=tmp_path, fmt="fancy", log=lambda _: None)
    with pytest.raises(TritonError, match="Triton serves ONNX files and TensorRT plans, not a Fancy model"):
        write_triton_repo(path, tmp_path / "repo")
    result = CliRunner().invoke(main, ["export", "--ckpt", SHAPES, "--format", "fancy",
                                       "--triton-repo", str(tmp_path / "r"), "--out", str(tmp_path)])  # fmt: skip
    assert result.exit_code == 2 and "Triton repositories take onnx and tensorrt files, not fancy" in result.output
