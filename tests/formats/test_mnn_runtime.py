"""MNN's converter and runtime as export and the ``mnn-cpu`` runner share them (``formats.mnn_runtime``)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.core.onnx_contract import inline_norms
from ugatit_deploy.core.reference_images import reference_batch
from ugatit_deploy.export import GraphOptions, export_checkpoint
from ugatit_deploy.export.validate import ort_session
from ugatit_deploy.formats.mnn_runtime import MnnError, MnnModule, MnnSession, convert_onnx

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # MNN converts the demo model


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """The demo model with all three outputs, as inlined ONNX and as MNN."""
    folder = tmp_path_factory.mktemp("mnn")
    (path,) = export_checkpoint(shapes_model_path(), out=folder, options=GraphOptions(outputs="all"),
                                log=lambda _: None)  # fmt: skip
    source = folder / "inlined.onnx"
    onnx.save(inline_norms(onnx.load(path)), source)
    convert_onnx(source, folder / "model.mnn")
    return source, folder / "model.mnn"


def test_the_converted_model_computes_what_onnx_runtime_does_for_every_output(converted):
    source, model = converted
    images = reference_batch(64).numpy()[:3]
    expected = dict(zip(("output", "cam_logit", "heatmap"), ort_session(onnx.load(source)).run(None, {"input": images}),
                        strict=True))  # fmt: skip
    got = MnnModule(model, ["output", "cam_logit", "heatmap"], threads=1).run(images)
    for name, value in expected.items():
        assert got[name].shape == value.shape and np.abs(got[name] - value).max() < 1e-3, name


def test_the_validation_session_answers_like_onnx_runtime(converted):
    _, model = converted
    session = MnnSession(model, ["output", "cam_logit"])
    images = reference_batch(64).numpy()[:1]
    first, logits = session.run(None, {"input": images})
    assert first.shape == (1, 3, 64, 64) and logits.shape == (1, 2)
    assert np.array_equal(session.run(["cam_logit"], {"input": images})[0], logits)


def test_an_unknown_precision_mode_is_refused(converted):
    with pytest.raises(MnnError, match="MNN precision must be one of high, low, got 'bf16'"):
        MnnModule(converted[1], ["output"], precision="bf16")


def test_a_file_that_is_not_an_mnn_model_is_one_line(tmp_path):
    path = tmp_path / "notes.mnn"
    path.write_text("not a model\n")
    with pytest.raises(MnnError, match="MNN cannot read notes.mnn") as caught:
        MnnModule(path, ["output"])
    assert "\n" not in str(caught.value)


def test_a_graph_the_converter_cannot_read_is_one_line(tmp_path):
    source = tmp_path / "broken.onnx"
    source.write_bytes(b"\x08\x07garbage")
    with pytest.raises(MnnError, match="MNN's converter could not convert broken.onnx"):
        convert_onnx(source, tmp_path / "out.mnn")
