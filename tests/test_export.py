"""ONNX export: graph I/O, the AdaILN pattern, parity per precision, metadata, bad input."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import onnx
import pytest
import torch
from click.testing import CliRunner
from conftest import make_generator

from ugatit_deploy import load_generator, save_generator
from ugatit_deploy.cli import main
from ugatit_deploy.export import GraphOptions, export_checkpoint, inline_norms
from ugatit_deploy.export.validate import extreme_inputs, ort_session
from ugatit_deploy.metadata import from_onnx_props, read_sidecar, sidecar_path
from ugatit_deploy.model import GeneratorConfig
from ugatit_deploy.parity import image_parity
from ugatit_deploy.reference_images import reference_batch

LIGHT = GeneratorConfig(ngf=8, n_blocks=2, img_size=64, light=True)
FULL = GeneratorConfig(ngf=8, n_blocks=2, img_size=64, light=False)


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    root = tmp_path_factory.mktemp("ckpt")
    paths = {}
    for name, config in (("light", LIGHT), ("full", FULL)):
        paths[name] = root / f"tiny_{name}.pt"
        save_generator(make_generator(config, seed=4), paths[name], metadata={"note": "test"})
    return paths


@pytest.fixture(scope="module")
def exported(checkpoints, tmp_path_factory):
    """FP32, FP16 and the ORT-CPU INT8 of both tiny (random-weight) models, function mode, outputs=all.
    The TensorRT-style INT8 needs trained weights to reach 30 dB: see test_export_int8.py."""
    out = tmp_path_factory.mktemp("onnx")
    files = {}
    for name, ckpt in checkpoints.items():
        paths = export_checkpoint(ckpt, out=out / name, precisions=("fp32", "fp16", "int8-cpu"),
                                  options=GraphOptions(outputs="all"), log=lambda _: None)  # fmt: skip
        files[name] = dict(zip(("fp32", "fp16", "int8-cpu"), paths, strict=True))
    return files


def _run(path, x):
    return ort_session(onnx.load(path)).run(None, {"input": x})


def test_graph_io_names_and_dynamic_axes(exported):
    light = onnx.load(exported["light"]["fp32"])
    dims = {v.name: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in list(light.graph.input) + list(light.graph.output)}  # fmt: skip
    assert dims == {
        "input": ["batch", 3, "height", "width"],
        "output": ["batch", 3, "height", "width"],
        "cam_logit": ["batch", 2],
        "heatmap": ["batch", 1, "height/4", "width/4"],
    }
    full = onnx.load(exported["full"]["fp32"])
    assert [d.dim_param or d.dim_value for d in full.graph.input[0].type.tensor_type.shape.dim] == [
        "batch",
        3,
        64,
        64,
    ]


def test_each_norm_is_one_ugatit_node_with_a_local_function_body(exported):
    model = onnx.load(exported["light"]["fp32"])
    ops = Counter((n.domain, n.op_type) for n in model.graph.node)
    assert ops[("ugatit", "AdaILN")] == 2 * 2 and ops[("ugatit", "ILN")] == 2
    bodies = {f.name: Counter(n.op_type for n in f.node) for f in model.functions}
    assert set(bodies) == {"AdaILN", "ILN"}
    for body in bodies.values():
        assert body["InstanceNormalization"] == 1 and body["LayerNormalization"] == 1
        assert body["ReduceMean"] == 0  # no variance chain


def test_no_reducemean_variance_chain_in_either_mode(exported):
    function_mode = onnx.load(exported["light"]["fp32"])
    inline_mode = inline_norms(function_mode)
    for model in (function_mode, inline_mode):
        ops = [n.op_type for n in model.graph.node]
        # At most the CAM's and the light MLP's global average pools; no squared-deviation chain.
        assert ops.count("ReduceMean") <= 2 and "Pow" not in ops and "ReduceSumSquare" not in ops
    assert "Sqrt" not in [n.op_type for n in function_mode.graph.node]
    # inline: the only Sqrt are the two sqrt((N-1)/N) factors of each of the 6 norms
    assert [n.op_type for n in inline_mode.graph.node].count("Sqrt") == 2 * 6


def test_inline_mode_has_no_custom_domain_and_native_norms(exported):
    model = inline_norms(onnx.load(exported["light"]["fp32"]))
    assert {n.domain for n in model.graph.node} <= {"", "ai.onnx"}
    assert [o.domain for o in model.opset_import if o.domain] == []
    ops = Counter(n.op_type for n in model.graph.node)
    assert ops["LayerNormalization"] == 6 and ops["InstanceNormalization"] == 3 + 2 * 2 + 6


@pytest.mark.parametrize("name", ["light", "full"])
@pytest.mark.parametrize("batch", [1, 3])
def test_fp32_matches_torch_within_1e_4_at_batch_1_and_3(exported, checkpoints, name, batch):
    generator = load_generator(checkpoints[name])
    x = reference_batch(64)[:batch]
    with torch.no_grad():
        expected = [t.numpy() for t in generator(x)]
    got = _run(exported[name]["fp32"], x.numpy())
    assert np.abs(got[0] - expected[0]).max() <= 1e-4
    for want, have in zip(expected[1:], got[1:], strict=True):
        assert np.abs(have - want).max() <= 1e-4 * max(1.0, np.abs(want).max())


@pytest.mark.parametrize("size", [(32, 48), (96, 64), (128, 128)])
def test_light_model_runs_at_other_sizes_with_dynamic_hw(exported, checkpoints, size):
    generator = load_generator(checkpoints["light"])
    x = torch.nn.functional.interpolate(reference_batch(64)[:2], size=size, mode="bilinear")
    with torch.no_grad():
        expected = generator(x)[0].numpy()
    assert np.abs(_run(exported["light"]["fp32"], x.numpy())[0] - expected).max() <= 1e-4


def test_full_model_refuses_another_size(exported):
    with pytest.raises(Exception, match="(?i)dimension|shape|got"):
        _run(exported["full"]["fp32"], np.zeros((1, 3, 32, 32), np.float32))


@pytest.mark.parametrize("name", ["light", "full"])
def test_fp16_reaches_50_db_and_1e_2_and_stays_finite_on_extremes(exported, checkpoints, name):
    generator = load_generator(checkpoints[name])
    x = reference_batch(64)
    with torch.no_grad():
        expected = generator(x)[0].numpy()
    stats = image_parity(expected, _run(exported[name]["fp16"], x.numpy())[0])
    assert stats["psnr_db"] >= 50 and stats["max_abs"] <= 1e-2
    for label, extreme in extreme_inputs(64, batch=2).items():
        outputs = _run(exported[name]["fp16"], extreme)
        assert all(np.isfinite(o).all() for o in outputs), label


def test_fp16_graph_keeps_norms_in_fp32_and_io_in_fp32(exported):
    model = onnx.load(exported["light"]["fp16"])
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert model.graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    conv_weights = {n.input[1] for n in model.graph.node if n.op_type == "Conv"}
    types = {t.name: t.data_type for t in model.graph.initializer}
    assert {types[w] for w in conv_weights if w in types} == {onnx.TensorProto.FLOAT16}
    norm_inputs = {n.input[0] for n in model.graph.node if n.op_type in ("AdaILN", "ILN", "InstanceNormalization")}
    producers = {o: n for n in model.graph.node for o in n.output}
    # every norm reads a tensor cast to float32
    assert all(producers[i].op_type == "Cast" and producers[i].attribute[0].i == onnx.TensorProto.FLOAT
               for i in norm_inputs)  # fmt: skip


@pytest.mark.parametrize("name", ["light", "full"])
def test_int8_cpu_reaches_30_db_in_domain_and_on_photos(exported, name):
    validation = read_sidecar(exported[name]["int8-cpu"])["validation"]
    assert min(case["psnr_db"] for case in validation["cases"].values()) >= 30
    assert validation["report_only"]["photos"]["psnr_db"] >= 30
    model = onnx.load(exported[name]["int8-cpu"])
    assert Counter(n.op_type for n in model.graph.node)["QuantizeLinear"] > 0


def test_metadata_in_onnx_and_sidecar_agree(exported, checkpoints):
    path = exported["full"]["fp16"]
    sidecar = read_sidecar(path)
    props = from_onnx_props({p.key: p.value for p in onnx.load(path).metadata_props}, str(path))
    assert sidecar["schema"] == "ugatit-deploy/artifact" and sidecar["schema_version"] == 1
    assert sidecar["precision"] == props["precision"] == "fp16"
    assert sidecar["model"] == props["model"] == {"ngf": 8, "n_blocks": 2, "img_size": 64, "light": False}
    assert sidecar["direction"] == "a2b" and sidecar["normalization"] == "adailn-function"
    from ugatit_deploy.fileio import file_sha256

    assert sidecar["source"]["sha256"] == file_sha256(checkpoints["full"])
    assert sidecar["sha256"] == file_sha256(path) and sidecar["file"] == path.name
    assert sidecar["validation"]["passed"] is True


def test_static_batch_export(checkpoints, tmp_path):
    (path,) = export_checkpoint(checkpoints["light"], out=tmp_path / "s.onnx",
                                options=GraphOptions(dynamic_batch=False), log=lambda _: None)  # fmt: skip
    dims = [d.dim_param or d.dim_value for d in onnx.load(path).graph.input[0].type.tensor_type.shape.dim]
    assert dims == [1, 3, "height", "width"]


@pytest.mark.parametrize("name", ["light", "full"])
def test_inline_mode_exports_pass_validation_in_every_precision(checkpoints, tmp_path, name):
    paths = export_checkpoint(checkpoints[name], out=tmp_path, precisions=("fp32", "fp16", "int8-cpu"),
                              options=GraphOptions(adailn="inline"), log=lambda _: None)  # fmt: skip
    for path in paths:
        assert read_sidecar(path)["normalization"] == "adailn-inline"
        assert read_sidecar(path)["validation"]["passed"]
        model = onnx.load(path)
        assert not model.functions and {n.domain for n in model.graph.node} <= {""}


# --- bad input ---------------------------------------------------------------------------------------


def _cli(*args):
    return CliRunner().invoke(main, ["export", *map(str, args)])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ckpt", "/nonexistent.pt"], "checkpoint not found"),
        (["--direction", "b2a"], "has no b2a generator"),
        (["--precision", "int9"], "'int9': use fp32"),
        (["--opset", "13"], "--opset must be between 17"),
        (["--precision", "int8", "--calib", "EMPTY"], "has no image files"),
        (["--out", "/proc/nope/x.onnx"], "cannot write"),
        (["--out", "OUT/one.onnx", "--precision", "fp32,fp16"], "names one file"),
    ],
)
def test_export_cli_bad_input_is_one_line(checkpoints, tmp_path, args, message):
    (tmp_path / "EMPTY").mkdir()
    args = [str(tmp_path / a) if a in ("EMPTY", "OUT/one.onnx") else a for a in args]
    base = [] if "--ckpt" in args else ["--ckpt", checkpoints["light"]]
    out = [] if "--out" in args else ["--out", tmp_path / "o"]
    result = _cli(*base, *out, *args)
    lines = result.output.strip().splitlines()
    assert result.exit_code != 0
    assert message in lines[-1], result.output
    assert not list(tmp_path.glob("**/*.onnx")) and not list(tmp_path.glob("**/*.tmp"))


def test_export_cli_writes_files_and_sidecars(checkpoints, tmp_path):
    result = _cli("--ckpt", checkpoints["light"], "--out", tmp_path, "--precision", "fp32")
    assert result.exit_code == 0, result.output
    onnx_file = tmp_path / "tiny_light_a2b_fp32.onnx"
    assert onnx_file.exists() and json.loads(sidecar_path(onnx_file).read_text())["kind"] == "onnx"
