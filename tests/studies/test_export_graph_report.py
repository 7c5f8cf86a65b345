"""The export graph report: op histograms, and the record of a small generator."""

from __future__ import annotations

import json

import pytest
from onnx import helper
from support.paths import RESULTS
from support.studies import load_study

study = load_study("export_graph_report")


def test_the_histogram_counts_ops_most_frequent_first_then_by_name():
    nodes = [helper.make_node(op, [], []) for op in ("Relu", "Conv", "Add", "Conv", "Relu", "Conv")]
    model = helper.make_model(helper.make_graph(nodes, "g", [], []))
    assert list(study.histogram(model).items()) == [("Conv", 3), ("Relu", 2), ("Add", 1)]


@pytest.mark.slow
def test_a_small_generator_gives_the_committed_record_shape(tmp_path, capsys):
    out = tmp_path / "report.json"
    study.main(["--ngf", "8", "--n-blocks", "1", "--size", "64", "--out", str(out)])
    record, committed = json.loads(out.read_text()), json.loads((RESULTS / "export_graph_report.json").read_text())
    assert set(record) == set(committed) and set(record["graphs"]) == set(committed["graphs"])
    assert record["config"] == {"ngf": 8, "n_blocks": 1, "img_size": 64, "light": True}
    assert record["graphs"]["function"]["function_body_nodes"].keys() == {"AdaILN", "ILN"}
    assert record["graphs"]["function"]["nodes"] < record["graphs"]["naive"]["nodes"]
    assert "wrote" in capsys.readouterr().out
