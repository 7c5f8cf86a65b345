"""ncnn's converter (pnnx) and runtime as export and the ``ncnn-cpu`` runner share them
(``formats.ncnn_runtime``)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.core.reference_images import reference_batch
from ugatit_deploy.export import export_checkpoint
from ugatit_deploy.export.validate import ort_session
from ugatit_deploy.formats.ncnn_graph import ncnn_graph
from ugatit_deploy.formats.ncnn_runtime import BIN_SUFFIX, PARAM_SUFFIX, NcnnError, NcnnNet, NcnnSession, convert_onnx

pytestmark = pytest.mark.slow  # pnnx on the demo model


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """The demo model's ONNX in ncnn's graph form, and its ncnn conversion."""
    folder = tmp_path_factory.mktemp("ncnn")
    (path,) = export_checkpoint(shapes_model_path(), out=folder, log=lambda _: None)
    source = folder / "graph.onnx"
    onnx.save(ncnn_graph(onnx.load(path)), source)
    convert_onnx(source, folder / "model", (64, 64))
    return source, folder / f"model{PARAM_SUFFIX}", folder / f"model{BIN_SUFFIX}"


def test_the_converted_model_runs_a_batch_image_by_image_as_onnx_runtime_does(converted):
    source, param, weights = converted
    images = reference_batch(64).numpy()[:3]
    expected = ort_session(onnx.load(source)).run(None, {"input": images})[0]
    got = NcnnNet(param, weights, threads=1).run(images)
    assert got.shape == (3, 3, 64, 64) and np.abs(got - expected).max() < 1e-3
    assert np.array_equal(NcnnSession(param, weights).run(None, {"input": images[:1]})[0], got[:1])


def test_intermediate_blobs_are_kept_when_asked(converted):
    _, param, weights = converted
    blobs = NcnnNet(param, weights, keep_blobs=True).blobs(reference_batch(64).numpy()[0], ["in0", "out0"])
    assert blobs["in0"].shape == (3, 64, 64) and blobs["out0"].shape == (3, 64, 64)


def test_files_that_are_not_an_ncnn_model_are_one_line(tmp_path):
    param, weights = tmp_path / "m.ncnn.param", tmp_path / "m.ncnn.bin"
    param.write_text("7767517\n1 1\nNoSuchLayer x 0 1 y\n")
    weights.write_bytes(b"")
    with pytest.raises(NcnnError, match="ncnn cannot read m.ncnn.param / m.ncnn.bin"):
        NcnnNet(param, weights)


def test_a_graph_pnnx_cannot_convert_is_one_line(tmp_path):
    source = tmp_path / "broken.onnx"
    source.write_bytes(b"\x08\x07garbage")
    with pytest.raises(NcnnError, match="pnnx could not convert broken.onnx") as caught:
        convert_onnx(source, tmp_path / "out", (64, 64))
    assert "\n" not in str(caught.value)
