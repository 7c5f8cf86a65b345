"""The MNN interference study on the demo model's MNN file: one record per scenario and round."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from support.studies import load_study

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.cli import main

study = load_study("mnn_interference")


@pytest.fixture(scope="module")
def onnx_file(tmp_path_factory):
    """The demo model's FP32 ONNX, the graph the MNN file was converted from."""
    out = tmp_path_factory.mktemp("onnx")
    result = CliRunner().invoke(main, ["export", "--ckpt", str(shapes_model_path()), "--out", str(out)])
    assert result.exit_code == 0, result.output
    (path,) = out.glob("*_fp32.onnx")
    return path


def test_the_scenarios_vary_one_thing_against_mnn_alone_with_2_threads():
    alone = study.SCENARIOS[0]
    assert (alone.threads, alone.before, alone.busy) == (2, None, False)
    assert {s.threads for s in study.SCENARIOS} == {1, 2}
    assert {s.before for s in study.SCENARIOS} == {None, "ort-spinning", "ort-no-spinning"}
    assert len({s.name for s in study.SCENARIOS}) == len(study.SCENARIOS)


@pytest.mark.slow
def test_one_round_gives_one_record_per_scenario(mnn_file, onnx_file, tmp_path, capsys):
    mnn = tmp_path / mnn_file.name
    shutil.copy(mnn_file, mnn)
    shutil.copy(f"{mnn_file}.json", f"{mnn}.json")
    out = tmp_path / "mnn.json"
    study.main(["--mnn", str(mnn), "--onnx", str(onnx_file), "--iters", "2", "--rounds", "1", "--out", str(out)])
    record = json.loads(out.read_text())
    assert [r["scenario"] for r in record["results"]] == [s.name for s in study.SCENARIOS]
    assert all(0 < r["min_ms"] <= r["median_ms"] <= r["max_ms"] for r in record["results"])
    assert record["size"] == 64 and record["command"].startswith("python benchmarks/studies/mnn_interference.py")
    assert capsys.readouterr().out.count("round 0 ") == len(study.SCENARIOS)
