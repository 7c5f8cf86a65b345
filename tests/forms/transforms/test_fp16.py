"""FP16 graphs (``forms.transforms.fp16``): 50 dB, finite on extreme inputs, norms and I/O in FP32."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch

from ugatit_deploy import load_generator
from ugatit_deploy.core.parity import image_parity
from ugatit_deploy.core.reference_images import reference_batch
from ugatit_deploy.export.validate import extreme_inputs, ort_session


def _run(path, x):
    return ort_session(onnx.load(path)).run(None, {"input": x})


@pytest.mark.slow
@pytest.mark.parametrize("name", ["light", "full"])
def test_fp16_reaches_50_db_and_1e_2_and_stays_finite_on_extremes(tiny_exports, tiny_checkpoints, name):
    generator = load_generator(tiny_checkpoints[name])
    x = reference_batch(64)
    with torch.no_grad():
        expected = generator(x)[0].numpy()
    stats = image_parity(expected, _run(tiny_exports[name]["fp16"], x.numpy())[0])
    assert stats.psnr_db >= 50 and stats.max_abs <= 1e-2
    for label, extreme in extreme_inputs(64, batch=2).items():
        outputs = _run(tiny_exports[name]["fp16"], extreme)
        assert all(np.isfinite(o).all() for o in outputs), label


def test_fp16_graph_keeps_norms_in_fp32_and_io_in_fp32(tiny_exports):
    model = onnx.load(tiny_exports["light"]["fp16"])
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
