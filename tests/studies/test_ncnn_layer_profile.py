"""The ncnn layer profile: how each convolution's share is worked out, and a real run on the demo model."""

from __future__ import annotations

import json

import pytest
from support.paths import RESULTS
from support.studies import load_study

from ugatit_deploy.formats.ncnn_int8 import NcnnLayer
from ugatit_deploy.formats.ncnn_runtime import OUTPUT_BLOB

study = load_study("ncnn_layer_profile")


def _conv(name: str, bottom: str, top: str, int8: bool) -> NcnnLayer:
    params = {0: "16", 1: "3", 3: "2", 8: "2" if int8 else "0"}
    return NcnnLayer("Convolution", name, [bottom], [top], params, line="")


def test_a_convolutions_share_is_the_time_to_its_output_minus_the_time_to_its_input():
    ms = {OUTPUT_BLOB: 10.0, "in": 1.0, "a": 3.5, "a_norm": 4.0, "b": 7.0, "c": 6.0}
    convs = [_conv("conv_a", "in", "a", int8=False), _conv("conv_b", "a_norm", "b", int8=True),
             _conv("conv_c", "b", "c", int8=True)]  # fmt: skip
    result = study.shares(convs, ms.__getitem__)
    assert [layer["ms"] for layer in result["layers"]] == [2.5, 3.0, 0.0]  # never below 0 (noise)
    assert result["layers"][0] == {"layer": "conv_a", "out_channels": 16, "kernel": 3, "stride": 2, "int8": False,
                                   "ms": 2.5}  # fmt: skip
    assert (result["total_ms"], result["int8_conv_ms"], result["float_conv_ms"]) == (10.0, 3.0, 2.5)
    assert result["other_layers_ms"] == 4.5


@pytest.fixture(scope="module")
def demo_ncnn(tmp_path_factory):
    pytest.importorskip("ncnn")
    from ugatit_deploy.assets import shapes_model_path
    from ugatit_deploy.export import export_checkpoint

    out = tmp_path_factory.mktemp("ncnn-demo")
    (param,) = export_checkpoint(shapes_model_path(), out=out, precisions=("fp32",), fmt="ncnn", log=lambda s: None)
    return param


@pytest.mark.slow
def test_a_profile_of_the_demo_model_has_the_committed_shape(demo_ncnn, tmp_path, capsys):
    out = tmp_path / "profile.json"
    study.main(["--threads", "1", "--repeat", "1", "--out", str(out), str(demo_ncnn)])
    record = json.loads(out.read_text())
    committed = json.loads((RESULTS / "ncnn_profile_light256.json").read_text())
    assert set(record) == set(committed) | {"machine"}
    (profile,) = record["profiles"]
    assert set(profile) == set(committed["profiles"][0])
    assert all(set(layer) == set(committed["profiles"][0]["layers"][0]) for layer in profile["layers"])
    assert profile["model"] == demo_ncnn.name and profile["int8_conv_ms"] == 0 and len(profile["layers"]) > 10
    assert "isa" in record["machine"] and demo_ncnn.name in capsys.readouterr().out
