"""INT8 on x86 (``export.sensitivity``): layer names, --keep-fp by name, by count and auto on the demo model."""

from __future__ import annotations

from dataclasses import replace

import onnx
import pytest
import torch
from click.testing import CliRunner

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.backends import create_backend
from ugatit_deploy.checkpoint import open_generator
from ugatit_deploy.cli import main
from ugatit_deploy.core.gates import FAST_PATH_GATE
from ugatit_deploy.core.metadata import read_sidecar
from ugatit_deploy.core.parity import image_parity
from ugatit_deploy.core.reference_images import reference_batch
from ugatit_deploy.export import GraphOptions, export_checkpoint, export_graph
from ugatit_deploy.forms.transforms.int8 import conv_layers, float_layers
from ugatit_deploy.forms.transforms.int8_options import Int8Options, KeepFp

pytestmark = pytest.mark.slow  # each layer quantized alone

ALWAYS_FLOAT = ["DownBlock.1", "DownBlock.5", "conv1x1", "UpBlock2.11"]


def _float_convs(model: onnx.ModelProto) -> list[str]:
    """Layers whose Conv weight is a plain float initializer (not the output of a DequantizeLinear)."""
    initializers = {t.name for t in model.graph.initializer}
    return [n.input[1].removeprefix("generator.").removesuffix(".weight")
            for n in model.graph.node if n.op_type == "Conv" and n.input[1] in initializers]  # fmt: skip


@pytest.fixture(scope="module")
def auto_int8(tmp_path_factory):
    out = tmp_path_factory.mktemp("auto")
    auto = Int8Options(keep_fp=KeepFp(auto=True))
    (path,) = export_checkpoint(shapes_model_path(), out=out, precisions=("int8-cpu",), int8=auto, log=lambda _: None)
    return path


def test_layer_names_are_the_generators_module_paths_and_four_stay_float():
    _, generator = open_generator(shapes_model_path(), "a2b")
    model = export_graph(generator, replace(GraphOptions(), adailn="function"))
    layers = list(conv_layers(model).values())
    assert len(layers) == 23
    assert all(f"{name}.weight" in generator.state_dict() for name in layers)
    assert float_layers(model) == ALWAYS_FLOAT


def test_keep_fp_by_name_leaves_that_conv_float_and_records_it(tmp_path):
    keep = Int8Options(keep_fp=KeepFp(names=("UpBlock2.2",)))
    (path,) = export_checkpoint(shapes_model_path(), out=tmp_path, precisions=("int8-cpu",), int8=keep,
                                log=lambda _: None)  # fmt: skip
    assert sorted(_float_convs(onnx.load(path))) == sorted([*ALWAYS_FLOAT, "UpBlock2.2"])
    quantization = read_sidecar(path).quantization
    assert quantization.keep_fp == ("UpBlock2.2",)
    assert quantization.float_layers == (*ALWAYS_FLOAT, "UpBlock2.2")


def test_an_unknown_layer_is_a_one_line_error_and_writes_nothing(tmp_path):
    result = CliRunner().invoke(
        main, ["export", "--precision", "fp32,int8-cpu", "--keep-fp", "UpBlock9", "--out", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "Error: --keep-fp: no convolution named 'UpBlock9'; layers: DownBlock.1, DownBlock.5" in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_keep_fp_without_an_int8_precision_is_refused():
    result = CliRunner().invoke(main, ["export", "--precision", "fp32", "--keep-fp", "2"])
    assert result.exit_code == 2
    assert "--keep-fp" in result.output and "applies to int8 and int8-cpu only" in result.output


def test_keep_fp_auto_meets_the_fast_path_gate_on_the_benchmark_photos(auto_int8):
    """Chosen on held-out circles and the photos turned by 90 degrees; judged on the images `bench` uses."""
    images = reference_batch(64)
    with torch.inference_mode():
        reference = open_generator(shapes_model_path(), "a2b")[1](images)[0].numpy()
    with create_backend("onnxruntime-cpu", auto_int8) as runner:
        outputs = runner.run(images.numpy())
    for part in (slice(0, 4), slice(4, 8)):  # the 4 photos, then 4 demo circles: each set on its own
        stats = image_parity(reference[part], outputs[part])
        assert FAST_PATH_GATE.failures(stats) == [], stats
    kept = read_sidecar(auto_int8).quantization.keep_fp
    assert 0 < len(kept) < 19  # some layers float, most still int8
