"""ncnn INT8 (`export --format ncnn --precision int8-cpu`): ncnn's own weight quantization driven by the
scales `ugatit_deploy.export.ncnn_int8` computes; the always-float layers and `--keep-fp` as for ONNX; the
demo model within the lossy gate at batch 1 and 2 and at another size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from support.runtime_helpers import demo_parity

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.backends import open_model
from ugatit_deploy.cli import main
from ugatit_deploy.core.gates import FAST_PATH_GATE
from ugatit_deploy.core.metadata import read_sidecar
from ugatit_deploy.export.onnx_graph import ExportError
from ugatit_deploy.formats.ncnn_int8 import PERCENTILE, _largest, activation_thresholds, quantize, read_model

SHAPES = str(shapes_model_path())  # the small circles -> squares model: fast to export

pytestmark = pytest.mark.slow  # ncnn INT8 calibration

FLOAT_LAYERS = ["DownBlock.1", "DownBlock.5", "conv1x1"]  # RGB in, first down-sampling, CAM (ncnn quantizes RGB out)
CONVOLUTIONS = (
    23  # demo model: 7x7 in, 2 down-sampling, 2 x 4 encoder blocks, CAM 1x1, 2 x 4 decoder blocks, 2 up, 7x7 out
)


def _export(folder: Path, *extra: str) -> Path:
    pytest.importorskip("ncnn", reason="ncnn is not installed: pip install 'ugatit-deploy[ncnn]'")
    pytest.importorskip("pnnx", reason="pnnx is not installed: pip install 'ugatit-deploy[ncnn]'")
    args = [
        "export",
        "--ckpt",
        SHAPES,
        "--format",
        "ncnn",
        "--precision",
        "int8-cpu",
        "--calib-images",
        "16",
        "--out",
        str(folder),
    ]
    result = CliRunner().invoke(main, [*args, *extra])
    assert result.exit_code == 0, result.output
    (path,) = folder.glob("*_int8-cpu.ncnn.param")
    return path


@pytest.fixture(scope="module")
def int8_file(tmp_path_factory) -> Path:
    return _export(tmp_path_factory.mktemp("ncnn_int8"))


def _quantized_layers(param: Path) -> list[str]:
    return [
        line.split()[1] for line in param.read_text().splitlines() if line.startswith("Convolution") and " 8=2" in line
    ]


def test_every_convolution_but_the_float_layers_carries_ncnn_int8_scales(int8_file):
    sidecar = read_sidecar(int8_file)
    assert sidecar.precision == "int8-cpu" and sidecar.kind == "ncnn" and sidecar.validation.passed
    assert list(sidecar.quantization.float_layers) == FLOAT_LAYERS
    assert len(_quantized_layers(int8_file)) == CONVOLUTIONS - len(FLOAT_LAYERS)


def test_the_int8_weights_file_holds_the_scales_where_ncnn_reads_them(int8_file):
    weights = int8_file.with_name(int8_file.name.replace(".param", ".bin"))
    model = read_model(int8_file, weights)  # the walk, with each 8=2 layer's scales, ends at the file's end
    conv = next(c for c in model.convolutions() if c.get(8) == 2)
    outputs, count = conv.get(0), conv.get(6)
    scales = np.frombuffer(conv.weights[4 + 4 * count :], dtype=np.float32)
    stored = np.frombuffer(conv.weights[4 : 4 + 4 * count], dtype=np.float32).reshape(outputs, -1)
    np.testing.assert_allclose(scales[:outputs], 127 / np.abs(stored).max(axis=1), rtol=1e-6)
    assert scales.size == outputs + 1 and scales[-1] > 0  # then the input blob's scale


@pytest.mark.parametrize(("batch", "size"), [(1, (64, 64)), (2, (64, 64)), (1, (48, 80))])
def test_ncnn_int8_runs_the_demo_model_within_the_lossy_gate(int8_file, batch, size):
    stats, shape, expected_shape = demo_parity("ncnn-cpu", int8_file, batch, size)
    assert shape == expected_shape and FAST_PATH_GATE.failures(stats) == [], stats


def test_infer_labels_the_runner_with_the_int8_precision(int8_file):
    with open_model(int8_file) as runner:
        assert runner.info.label == "ncnn-cpu int8-cpu"


def test_keep_fp_leaves_the_named_convolution_float(tmp_path):
    path = _export(tmp_path, "--keep-fp", "UpBlock1_1.conv1")
    assert read_sidecar(path).quantization.float_layers == (*FLOAT_LAYERS, "UpBlock1_1.conv1")
    assert len(_quantized_layers(path)) == CONVOLUTIONS - len(FLOAT_LAYERS) - 1


def test_the_tensorrt_style_int8_has_no_ncnn_form():
    result = CliRunner().invoke(main, ["export", "--format", "ncnn", "--precision", "int8", "--out", "unused"])
    assert result.exit_code == 1 and result.output.strip().splitlines()[-1] == (
        "Error: --format ncnn takes fp32, int8-cpu, not int8: ncnn's fp16 only changes storage on x86 (measured no "
        "faster); its CPU INT8 is int8-cpu (int8 is TensorRT's Q/DQ form)"
    )



def test_only_the_ncnn_int8_model_is_validated_not_the_fp32_graph_it_comes_from(tmp_path, monkeypatch):
    """ncnn quantizes the FP32 graph itself: judging that graph by the INT8 gate on ONNX Runtime would say nothing,
    so every validation of the export runs ncnn's model, and the sidecar records ncnn's figures."""
    from ugatit_deploy.export import pipeline

    sessions = []
    real = pipeline.validate_against_torch
    monkeypatch.setattr(pipeline, "validate_against_torch",
                        lambda *args, session=None, **kwargs: sessions.append(type(session).__name__)
                        or real(*args, session=session, **kwargs))  # fmt: skip
    path = _export(tmp_path)
    assert sessions == ["NcnnSession"]
    assert read_sidecar(path).validation.passed


class _Blobs:
    """A stand-in for NcnnNet.blobs: each image's blob "a" is the image, "b" the image doubled (in any order asked)."""

    def blobs(self, image, names):
        return {name: image * {"a": 1, "b": 2}[name] for name in names}


def test_activation_thresholds_equal_numpys_percentile_over_all_images():
    rng = np.random.default_rng(0)
    images = [rng.standard_normal((1, 3, 20, 30)).astype(np.float32) ** 3 for _ in range(5)]
    got = activation_thresholds(_Blobs(), ["a", "b"], images)
    every = np.abs(np.concatenate([i.ravel() for i in images]))
    assert got["a"] == pytest.approx(float(np.percentile(every, PERCENTILE)), rel=1e-6)
    assert got["b"] == pytest.approx(2 * float(np.percentile(every, PERCENTILE)), rel=1e-6)



@pytest.mark.parametrize("seed", range(20))
def test_the_largest_values_kept_image_by_image_are_the_largest_of_all(seed):
    """``_largest`` drops what cannot be among the largest before partitioning: the same values as sorting all."""
    rng = np.random.default_rng(seed)
    images = [np.abs(rng.standard_normal(int(rng.integers(1, 400)))).astype(np.float32) for _ in range(4)]
    if seed % 2:  # ties across images
        images = [np.round(image, 1) for image in images]
    count = int(rng.integers(1, 600))
    kept = np.empty(0, np.float32)
    for image in images:
        kept = _largest(kept, image, count)
    every = np.sort(np.concatenate(images))
    np.testing.assert_array_equal(np.sort(kept), every[max(0, every.size - count) :])


def test_a_weights_file_of_another_model_is_refused(int8_file, tmp_path):
    weights = int8_file.with_name(int8_file.name.replace(".param", ".bin"))
    short = tmp_path / "short.bin"
    short.write_bytes(weights.read_bytes()[:-4])
    with pytest.raises(ExportError, match=r"its layers read \d+ bytes of \d+"):
        read_model(int8_file, short)


def test_a_quantized_model_is_not_quantized_twice(int8_file):
    weights = int8_file.with_name(int8_file.name.replace(".param", ".bin"))
    model = read_model(int8_file, weights)
    with pytest.raises(ExportError, match="is quantized already"):
        quantize(model, {blob: 1.0 for layer in model.layers for blob in layer.bottoms}, set())
