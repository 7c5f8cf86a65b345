"""The MNN format (``export --format mnn``): MNN's converter, the ``.mnn`` file validated on MNN before it is
written, its sidecar, and no MNN.tools wrappers."""

from __future__ import annotations

import sys

import pytest

from ugatit_deploy.core.metadata import read_sidecar

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # MNN converts the demo model


def test_export_writes_a_validated_mnn_file_with_a_sidecar_and_no_onnx(mnn_file):
    assert mnn_file.name == "demo_shapes_a2b_a2b_fp32.mnn"
    assert sorted(p.name for p in mnn_file.parent.iterdir()) == [mnn_file.name, f"{mnn_file.name}.json"]
    sidecar = read_sidecar(mnn_file)
    assert sidecar.kind == "mnn" and sidecar.converter.startswith("MNN ")
    assert sidecar.validation.passed and sidecar.validation.gate == {"psnr": 60.0, "ssim": 0.999}
    assert not list(mnn_file.parent.glob("*.onnx"))


def test_conversion_never_loads_the_mnn_tools_wrappers(mnn_file):
    # MNN's Python tool wrappers pip-install a logging package and report usage when imported.
    assert mnn_file.is_file()
    assert "MNN.tools" not in sys.modules and "MNN.tools.utils.log" not in sys.modules
