"""The export pipeline (``export.pipeline``): every precision validated against PyTorch, metadata inside
and beside the ONNX."""

from __future__ import annotations

from collections import Counter

import numpy as np
import onnx
import pytest
import torch

from ugatit_deploy import load_generator
from ugatit_deploy.core.metadata import ModelSpec, from_onnx_props, read_sidecar
from ugatit_deploy.core.reference_images import reference_batch
from ugatit_deploy.export import GraphOptions, export_checkpoint
from ugatit_deploy.export.validate import ort_session


def _run(path, x):
    return ort_session(onnx.load(path)).run(None, {"input": x})


@pytest.mark.parametrize("name", ["light", "full"])
@pytest.mark.parametrize("batch", [1, 3])
def test_fp32_matches_torch_within_1e_4_at_batch_1_and_3(tiny_exports, tiny_checkpoints, name, batch):
    generator = load_generator(tiny_checkpoints[name])
    x = reference_batch(64)[:batch]
    with torch.no_grad():
        expected = [t.numpy() for t in generator(x)]
    got = _run(tiny_exports[name]["fp32"], x.numpy())
    assert np.abs(got[0] - expected[0]).max() <= 1e-4
    for want, have in zip(expected[1:], got[1:], strict=True):
        assert np.abs(have - want).max() <= 1e-4 * max(1.0, np.abs(want).max())


@pytest.mark.parametrize("name", ["light", "full"])
def test_int8_cpu_reaches_30_db_in_domain_and_on_photos(tiny_exports, name):
    validation = read_sidecar(tiny_exports[name]["int8-cpu"]).validation
    assert min(case.psnr_db for case in validation.cases.values()) >= 30
    assert validation.report_only["photos"].psnr_db >= 30
    model = onnx.load(tiny_exports[name]["int8-cpu"])
    assert Counter(n.op_type for n in model.graph.node)["QuantizeLinear"] > 0


def test_metadata_in_onnx_and_sidecar_agree(tiny_exports, tiny_checkpoints):
    path = tiny_exports["full"]["fp16"]
    sidecar = read_sidecar(path)
    props = from_onnx_props({p.key: p.value for p in onnx.load(path).metadata_props}, str(path))
    assert sidecar.schema == "ugatit-deploy/artifact" and sidecar.schema_version == 1
    assert sidecar.precision == props.precision == "fp16"
    assert sidecar.model == props.model == ModelSpec(ngf=8, n_blocks=2, img_size=64, light=False)
    assert (sidecar.io, sidecar.source, sidecar.preprocessing) == (props.io, props.source, props.preprocessing)
    assert sidecar.direction == "a2b" and sidecar.normalization == "adailn-function"
    from ugatit_deploy.core.fileio import file_sha256

    assert sidecar.source.sha256 == file_sha256(tiny_checkpoints["full"])
    assert sidecar.sha256 == file_sha256(path) and sidecar.file == path.name
    assert sidecar.validation.passed is True


@pytest.mark.slow
@pytest.mark.parametrize("name", ["light", "full"])
def test_inline_mode_exports_pass_validation_in_every_precision(tiny_checkpoints, tmp_path, name):
    paths = export_checkpoint(tiny_checkpoints[name], out=tmp_path, precisions=("fp32", "fp16", "int8-cpu"),
                              options=GraphOptions(adailn="inline"), log=lambda _: None)  # fmt: skip
    for path in paths:
        assert read_sidecar(path).normalization == "adailn-inline"
        assert read_sidecar(path).validation.passed
        model = onnx.load(path)
        assert not model.functions and {n.domain for n in model.graph.node} <= {""}
