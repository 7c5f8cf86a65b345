"""The artifact record (``core.metadata``): every sidecar ugatit-deploy has written reads into typed fields
and writes back to the same JSON text; a sidecar that is not one says which field is wrong."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import onnx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.paths import REPO, TESTS
from support.records import artifact_record

from ugatit_deploy.core.metadata import (
    ONNX_KEYS,
    ArtifactRecord,
    MetadataError,
    ModelSpec,
    from_onnx_props,
    read_onnx_record,
    read_sidecar,
    sidecar_path,
    to_onnx_props,
    write_sidecar,
)

# One sidecar of every shape each version of the project wrote (exported with the code of each commit named
# in the file name; tests/data/sidecars/README.md), and the C++ runner's golden sidecars.
WRITTEN = sorted((TESTS / "data" / "sidecars").glob("*.json"))
NO_SCHEMA = [path for path in WRITTEN if "nosidecar" in path.name]  # plans built from an ONNX without sidecar
CPP_GOLDEN = sorted((REPO / "cpp" / "tests" / "data").glob("*.json"))
READABLE = [path for path in WRITTEN if path not in NO_SCHEMA] + CPP_GOLDEN


def _read(path: Path) -> ArtifactRecord:
    return ArtifactRecord.from_dict(json.loads(path.read_text()))


def test_the_corpus_covers_every_kind_and_the_versions_that_wrote_them():
    kinds = {_read(path).kind for path in READABLE}
    assert kinds == {"onnx", "tensorrt-plan", "mnn", "ncnn"}
    assert {path.name[:7] for path in WRITTEN} >= {"0029f1e", "0367519", "479f1fc", "49cb84f", "ebe9358"}


@pytest.mark.parametrize("path", READABLE, ids=lambda p: p.name)
def test_every_sidecar_written_so_far_reads_back_to_identical_json(path):
    text = path.read_text()
    assert json.dumps(_read(path).to_dict(), indent=2) + "\n" == text


@pytest.mark.parametrize("path", NO_SCHEMA, ids=lambda p: p.name)
def test_the_plan_sidecars_older_builds_wrote_without_a_schema_stay_refused(path, tmp_path):
    # `build` on an ONNX without sidecar wrote these without "schema"; no version could read them. Builds now
    # write complete records (tests/formats/test_tensorrt_build.py).
    artifact = tmp_path / "model.plan"
    sidecar_path(artifact).write_text(path.read_text())
    with pytest.raises(MetadataError, match="not ugatit-deploy artifact metadata"):
        read_sidecar(artifact)


def test_an_exact_match_keeps_its_infinite_psnr():
    record = _read(next(path for path in WRITTEN if "zero_weights" in path.name))
    assert record.validation.cases["batch 1"].psnr_db == float("inf")


def test_the_fields_runners_read_are_typed():
    record = _read(REPO / "cpp" / "tests" / "data" / "plan_fp16.json")
    assert record.model == ModelSpec(ngf=8, n_blocks=4, img_size=64, light=True)
    assert record.io.output_names == ("output",) and record.io.input.dynamic_batch
    assert record.tensorrt.profile["max"] == (8, 3, 64, 64) and record.preprocessing.resize_method == "pil"
    assert record.variant == "" and record.validation is None


def test_a_record_written_and_read_again_is_equal(tmp_path):
    record = artifact_record("onnx", "int8-cpu", keep_fp=("UpBlock2.2",))
    artifact = tmp_path / "m.onnx"
    artifact.write_bytes(b"model")
    write_sidecar(record.describing(artifact), artifact)
    again = read_sidecar(artifact)
    assert again == replace(record, file="m.onnx", sha256=again.sha256, size_bytes=5)
    assert again.variant == "keep-fp 1" and again.quantization.keep_fp == ("UpBlock2.2",)


def test_the_onnx_metadata_props_hold_the_record_without_file_or_validation():
    record = artifact_record("onnx", "fp16", opset=18)
    props = to_onnx_props(record)
    assert set(props) == {f"ugatit.{key}" for key in ("direction", "precision", "normalization", "model", "source",
                                                       "io", "preprocessing", "ugatit_deploy_version",
                                                       "schema_version")}  # fmt: skip
    back = from_onnx_props(props, "m.onnx", opset=18)
    assert replace(back, created_utc=record.created_utc) == record


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.pop("model"), "model: missing"),
    (lambda d: d["model"].pop("img_size"), "model.img_size: missing"),
    (lambda d: d["model"].update(img_size="64"), "model.img_size: expected int, got string '64'"),
    (lambda d: d["model"].update(light=1), "model.light: expected bool, got int 1"),
    (lambda d: d["io"]["outputs"].append(3), r"io.outputs\[1\]: expected an object, got int"),
    (lambda d: d.update(schema_version=2), "schema_version 2 is newer than this ugatit-deploy reads"),
    (lambda d: d.update(schema="someone-else/v1"), "not ugatit-deploy artifact metadata"),
])  # fmt: skip
def test_a_sidecar_that_does_not_fit_names_the_field(tmp_path, change, message):
    data = artifact_record().to_dict()
    change(data)
    artifact = tmp_path / "m.onnx"
    sidecar_path(artifact).write_text(json.dumps(data))
    with pytest.raises(MetadataError, match=message) as caught:
        read_sidecar(artifact)
    assert "\n" not in str(caught.value) and str(sidecar_path(artifact)) in str(caught.value)


@pytest.mark.parametrize("text", ["{", "[" * 100_000 + "]" * 100_000, "\xff\xfe", "null"])
def test_a_sidecar_that_does_not_parse_is_one_line(tmp_path, text):
    artifact = tmp_path / "m.onnx"
    sidecar_path(artifact).write_text(text, errors="surrogateescape")
    with pytest.raises(MetadataError) as caught:
        read_sidecar(artifact)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 400


def _mutations(data: object, rng: random.Random) -> object:
    """``data`` with one random change deep inside: a key dropped, a value's type changed, a list emptied."""
    if isinstance(data, dict) and data and rng.random() < 0.7:
        key = rng.choice(list(data))
        changed = dict(data)
        roll = rng.random()
        if roll < 0.2:
            del changed[key]
        elif roll < 0.4:
            changed[key] = rng.choice([None, 0, -1, 1.5, "x", [], {}, True, [[1]], 2**63])
        else:
            changed[key] = _mutations(data[key], rng)
        return changed
    if isinstance(data, list) and data and rng.random() < 0.7:
        index = rng.randrange(len(data))
        return data[:index] + [_mutations(data[index], rng)] + data[index + 1 :]
    return rng.choice([None, "", 0, 3.5, False, [], {}])


@pytest.mark.slow
def test_fuzzed_sidecars_read_or_fail_with_one_metadata_error(tmp_path):
    rng = random.Random(20261201)
    artifact = tmp_path / "m.onnx"
    originals = [json.loads(path.read_text()) for path in READABLE]
    outcomes = {"read": 0, "refused": 0}
    for _ in range(600):
        sidecar_path(artifact).write_text(json.dumps(_mutations(rng.choice(originals), rng)))
        try:
            record = read_sidecar(artifact)
        except MetadataError as exc:
            assert "\n" not in str(exc)
            outcomes["refused"] += 1
        else:
            assert isinstance(record, ArtifactRecord)
            outcomes["read"] += 1
    assert outcomes["read"] > 50 and outcomes["refused"] > 200  # both paths were exercised


# --- ranges, sidecars beside ONNX files, and the ONNX metadata props (issue 23: P3, P4, P5) ---


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["model"].update(img_size=0), "model.img_size must be at least 1, got 0"),
    (lambda d: d["model"].update(ngf=-8), "model.ngf must be at least 1, got -8"),
    (lambda d: d["io"]["input"].update(shape=[1, 3, 64]), r"io.input.shape must be N x 3 x H x W, got \[1, 3, 64\]"),
    (lambda d: d["io"]["input"].update(shape=["batch", 4, 64, 64]), "must be N x 3 x H x W"),
    (lambda d: d["io"]["input"].update(shape=["batch", 3, 0, 64]), "shape must list positive dims or names"),
    (lambda d: d["io"].update(outputs=[]), "io.outputs: at least the image output expected"),
])  # fmt: skip
def test_a_sidecar_out_of_range_names_the_field(tmp_path, change, message):
    data = artifact_record().to_dict()
    change(data)
    artifact = tmp_path / "m.onnx"
    sidecar_path(artifact).write_text(json.dumps(data))
    with pytest.raises(MetadataError, match=message):
        read_sidecar(artifact)


@pytest.fixture
def onnx_with_metadata(tmp_path):
    """A tiny ONNX file carrying the record in its metadata_props, with no sidecar."""
    graph = onnx.helper.make_graph(
        [onnx.helper.make_node("Identity", ["input"], ["output"])], "g",
        [onnx.helper.make_tensor_value_info("input", onnx.TensorProto.FLOAT, ["batch", 3, "height", "width"])],
        [onnx.helper.make_tensor_value_info("output", onnx.TensorProto.FLOAT, ["batch", 3, "height", "width"])],
    )  # fmt: skip
    model = onnx.helper.make_model(graph)
    onnx.helper.set_model_props(model, to_onnx_props(artifact_record()))
    path = tmp_path / "m.onnx"
    onnx.save(model, path)
    return path


def test_an_onnx_without_a_sidecar_reads_its_embedded_record(onnx_with_metadata):
    assert read_onnx_record(onnx_with_metadata).model == artifact_record().model


@pytest.mark.parametrize("text", ["{not json", '{"schema": "ugatit-deploy/artifact"}', "[" * 1000 + "]" * 1000])
def test_a_sidecar_that_does_not_parse_is_an_error_not_passed_over_for_the_embedded_record(onnx_with_metadata, text):
    sidecar_path(onnx_with_metadata).write_text(text)
    with pytest.raises(MetadataError, match=str(sidecar_path(onnx_with_metadata))):
        read_onnx_record(onnx_with_metadata)


def test_a_sidecar_without_img_size_is_an_error_beside_an_onnx(onnx_with_metadata):
    data = artifact_record().to_dict()
    del data["model"]["img_size"]
    sidecar_path(onnx_with_metadata).write_text(json.dumps(data))
    with pytest.raises(MetadataError, match="model.img_size: missing"):
        read_onnx_record(onnx_with_metadata)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@pytest.mark.slow
@settings(max_examples=400, derandomize=True, database=None, deadline=None)
@given(st.sampled_from(ONNX_KEYS), st.one_of(JSON_VALUES.map(json.dumps), st.text(max_size=40)))
def test_any_onnx_metadata_value_reads_or_is_one_metadata_error(key, value):
    props = to_onnx_props(artifact_record())
    props["ugatit." + key] = value
    try:
        record = from_onnx_props(props, "m.onnx")
    except MetadataError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("m.onnx")
    else:
        assert isinstance(record, ArtifactRecord)


@settings(max_examples=200, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@pytest.mark.slow
@given(st.sampled_from(["model", "io", "source", "preprocessing"]), JSON_VALUES)
def test_any_nested_value_in_a_sidecar_reads_or_is_one_metadata_error(tmp_path_factory, key, value):
    data = artifact_record().to_dict()
    data[key] = value
    artifact = tmp_path_factory.mktemp("fuzz") / "m.onnx"
    sidecar_path(artifact).write_text(json.dumps(data))
    try:
        read_sidecar(artifact)
    except MetadataError as exc:
        assert "\n" not in str(exc)
