"""The ncnn format (``export --format ncnn``): param + bin validated on ncnn before they are written, a
sidecar with both hashes, and the precisions it refuses."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ugatit_deploy.backends import BACKENDS
from ugatit_deploy.cli import main
from ugatit_deploy.core.metadata import read_sidecar
from ugatit_deploy.forms import FORMS

pytestmark = pytest.mark.slow  # pnnx on the demo model


def test_export_writes_param_bin_and_a_sidecar_with_both_hashes(ncnn_file):
    names = sorted(p.name for p in ncnn_file.parent.iterdir())
    assert names == ["demo_shapes_a2b_a2b_fp32.ncnn.bin", "demo_shapes_a2b_a2b_fp32.ncnn.param",
                     "demo_shapes_a2b_a2b_fp32.ncnn.param.json"]  # fmt: skip
    sidecar = read_sidecar(ncnn_file)
    assert sidecar.kind == "ncnn" and sidecar.converter.startswith("pnnx ")
    assert sidecar.weights.file == "demo_shapes_a2b_a2b_fp32.ncnn.bin" and len(sidecar.weights.sha256) == 64
    assert sidecar.validation.passed and sidecar.validation.gate == FORMS["fp32"].gate.describe()


def test_ncnn_is_a_registry_entry_and_refuses_what_it_cannot_write():
    spec = BACKENDS["ncnn-cpu"]
    assert (spec.family, spec.runs, spec.device, spec.options) == ("ncnn", "ncnn", "cpu", ("threads",))
    result = CliRunner().invoke(main, ["export", "--format", "ncnn", "--outputs", "all", "--out", "unused"])
    assert result.exit_code == 1 and "--format ncnn writes the image output only" in result.output
