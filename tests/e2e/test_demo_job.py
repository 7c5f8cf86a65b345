"""The main job (``make demo`` = ``ugatit-deploy demo``): export, validate, benchmark, translate, report."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from PIL import Image

from ugatit_deploy.cli import main
from ugatit_deploy.forms import FORMS

pytestmark = pytest.mark.slow  # whole commands, each a few seconds to minutes


def test_demo_writes_the_report_folder(tmp_path):
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--iters", "1"])
    assert result.exit_code == 0, result.output
    assert f"report: {out / 'report.md'}" in result.output
    for name in ("report.md", "results.json", "results.csv", "latency.png", "grid.png", "grid_all_modes.png"):
        assert (out / name).stat().st_size > 0, name
    assert Image.open(out / "grid.png").size == (1220, 1044)  # 4 photos at 256 px: input, reference, chosen, error
    results = json.loads((out / "results.json").read_text())
    lines = [line for line in results["not_run"] if "cannot be the fastest" in line]
    left_out = lines[0].split(":")[0].split(", ") if lines else []
    exported = sorted(p.stem.rsplit("_", 1)[1] for p in (out / "onnx").glob("*.onnx"))
    assert exported == sorted(f for f in FORMS if f not in left_out) and "fp32" in exported  # what can win here
    assert results["settings"]["batches"] == [1, 8]
    if not results["machine"].get("gpu"):  # the CUDA backends: planned out with why, never rows of the table
        assert {"torch-cuda", "tensorrt"} <= {line.split(":")[0] for line in results["not_run"]}
        assert "not planned here: torch-cuda: " in result.output
    assert {r["backend"] for r in results["records"] if r["status"] == "ok"} >= {"torch-cpu", "onnxruntime-cpu"}
    assert results["inputs"]["names"] == ["astronaut.png", "chelsea.png", "coffee.png", "rocket.png"]  # photos only
    scored = [r["task"] for r in results["records"] if r["status"] == "ok"]
    assert scored and all(task["psnr_db"] > task["input_psnr_db"] for task in scored)
    assert "task dB: PSNR of each backend's images of the 4 bundled photos" in result.output
    translated = sorted(p.name for p in (out / "translated").glob("*.png") if "heatmap" not in p.name)
    assert translated == sorted(p.name for p in (out / "inputs").glob("*.png")) and len(translated) == 4
    assert "(fastest passing backend)" in result.output
    assert Image.open(out / "faces.png").size == (512, 256)  # the astronaut beside her translated face
    assert "faces: the astronaut's face found, translated and pasted back" in result.output
