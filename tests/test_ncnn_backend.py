"""The ncnn backend (`ncnn-cpu`) and `export --format ncnn`: the graph form pnnx converts correctly (the
LayerNorm over C, H, W as GroupNorm(1); element counts from the data), the demo model against its FP32
gate at batch 1 and 2 and at another size, the unavailable reason, damaged files."""

from __future__ import annotations

import sys
from collections import Counter

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from runtime_helpers import assert_refused_in_one_line, demo_parity, infer_with_a_flipped_byte

from ugatit_deploy import load_generator
from ugatit_deploy.assets import default_model_path
from ugatit_deploy.backends import BACKENDS, create_backend, open_model
from ugatit_deploy.cli import main
from ugatit_deploy.export import GraphOptions, export_graph
from ugatit_deploy.export.ncnn_graph import ncnn_graph
from ugatit_deploy.export.validate import ort_session
from ugatit_deploy.metadata import read_sidecar
from ugatit_deploy.precisions import BY_NAME


@pytest.fixture(scope="module")
def ncnn_file(tmp_path_factory):
    pytest.importorskip("ncnn", reason="ncnn is not installed: pip install 'ugatit-deploy[ncnn]'")
    pytest.importorskip("pnnx", reason="pnnx is not installed: pip install 'ugatit-deploy[ncnn]'")
    out = tmp_path_factory.mktemp("ncnn")
    result = CliRunner().invoke(main, ["export", "--format", "ncnn", "--out", str(out)])
    assert result.exit_code == 0, result.output
    (path,) = out.glob("*.ncnn.param")
    return path


def test_the_ncnn_graph_has_no_layer_norm_over_channels_and_no_shape_arithmetic():
    model = export_graph(load_generator(default_model_path()), GraphOptions())
    rewritten = ncnn_graph(model)
    ops = Counter(node.op_type for node in rewritten.graph.node)
    norms = 2 * 4 + 2  # demo model: 2 AdaILN in each of 4 blocks, 2 ILN
    assert ops["LayerNormalization"] == 0 and ops["ReduceProd"] == 0 and ops["Shape"] == norms  # Reshape-backs
    # encoder (3 + 2 per residual block) + each norm's instance half and its GroupNorm(1) layer half
    assert ops["InstanceNormalization"] == (3 + 2 * 4) + 2 * norms
    x = (torch.rand(2, 3, 48, 80) * 2 - 1).numpy()
    original, converted = (ort_session(m).run(None, {"input": x})[0] for m in (model, rewritten))
    assert np.abs(original - converted).max() < 1e-5  # the same function, at any size


def test_export_writes_param_bin_and_a_sidecar_with_both_hashes(ncnn_file):
    names = sorted(p.name for p in ncnn_file.parent.iterdir())
    assert names == ["demo_shapes_a2b_a2b_fp32.ncnn.bin", "demo_shapes_a2b_a2b_fp32.ncnn.param",
                     "demo_shapes_a2b_a2b_fp32.ncnn.param.json"]  # fmt: skip
    sidecar = read_sidecar(ncnn_file)
    assert sidecar["kind"] == "ncnn" and sidecar["converter"].startswith("pnnx ")
    assert sidecar["weights"]["file"] == "demo_shapes_a2b_a2b_fp32.ncnn.bin" and len(sidecar["weights"]["sha256"]) == 64
    assert sidecar["validation"]["passed"] and sidecar["validation"]["gate"] == BY_NAME["fp32"].gate.describe()


@pytest.mark.parametrize(("batch", "size"), [(1, (64, 64)), (2, (64, 64)), (1, (48, 80))])
def test_ncnn_runs_the_demo_model_within_the_fp32_gate(ncnn_file, batch, size):
    stats, shape, expected_shape = demo_parity("ncnn-cpu", ncnn_file, batch, size)
    assert shape == expected_shape and BY_NAME["fp32"].gate.failures(stats) == [], stats


def test_infer_picks_ncnn_for_a_param_file_and_damaged_weights_are_one_line(ncnn_file, tmp_path):
    with open_model(ncnn_file) as runner:
        assert runner.info.label == "ncnn-cpu fp32"
    weights = "demo_shapes_a2b_a2b_fp32.ncnn.bin"
    files = [ncnn_file.name, f"{ncnn_file.name}.json", weights]
    result = infer_with_a_flipped_byte(ncnn_file, files, weights, tmp_path)
    assert_refused_in_one_line(result, weights, tmp_path)


def test_without_ncnn_the_backend_says_how_to_install_it(ncnn_file, monkeypatch):
    monkeypatch.setitem(sys.modules, "ncnn", None)
    status = create_backend("ncnn-cpu", ncnn_file).availability()
    assert not status.ok and status.reason == "ncnn is not installed: pip install 'ugatit-deploy[ncnn]'"


def test_ncnn_is_a_registry_entry_and_refuses_what_it_cannot_write():
    spec = BACKENDS["ncnn-cpu"]
    assert (spec.family, spec.runs, spec.device, spec.options) == ("ncnn", "ncnn", "cpu", ("threads",))
    result = CliRunner().invoke(main, ["export", "--format", "ncnn", "--outputs", "all", "--out", "unused"])
    assert result.exit_code == 1 and "--format ncnn writes the image output only" in result.output
