"""``ugatit-deploy sensitivity``: every quantizable layer ranked, with a table, JSON and a chart."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.cli import main

pytestmark = pytest.mark.slow  # each layer quantized alone

ALWAYS_FLOAT = ["DownBlock.1", "DownBlock.5", "conv1x1", "UpBlock2.11"]


def test_sensitivity_command_ranks_every_quantizable_layer(tmp_path):
    result = CliRunner().invoke(main, ["sensitivity", "--ckpt", str(shapes_model_path()), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "sensitivity.json").read_text())
    layers = report["layers"]
    assert len(layers) == 19 and not {r["layer"] for r in layers} & set(ALWAYS_FLOAT)
    psnrs = [r["psnr_db"] for r in layers]
    assert psnrs == sorted(psnrs)  # worst first
    assert set(layers[0]["per_set"]) == {"held-out", "photos"}
    assert all(r["gmacs"] > 0 for r in layers)
    lines = result.output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("rank"))
    assert lines[header + 2].split()[:2] == ["1", layers[0]["layer"]]  # the table lists the worst layer first
    for name in ("sensitivity.md", "sensitivity.png"):
        assert (tmp_path / name).stat().st_size > 0
