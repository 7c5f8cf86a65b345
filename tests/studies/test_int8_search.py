"""The ``--keep-fp auto`` study: the sweep and the search side by side on a tiny model, its record and its note."""

from __future__ import annotations

import json

import pytest
from support.models import SMALL, make_generator
from support.studies import load_study

from ugatit_deploy import save_generator

study = load_study("int8_search")


def test_rank_correlation_is_1_for_the_same_order_and_minus_1_for_the_reverse():
    layers = ["a", "b", "c", "d"]
    assert study.rank_correlation(layers, layers) == 1.0
    assert study.rank_correlation(layers, layers[::-1]) == -1.0


@pytest.mark.slow
def test_a_tiny_model_gets_both_ways_in_its_record_and_a_row_each_in_the_note(tmp_path):
    ckpt = tmp_path / "small.pt"
    save_generator(make_generator(SMALL, seed=1), ckpt)
    study.main(["--ckpt", str(ckpt), "--calib-images", "4", "--name", "small", "--out-dir", str(tmp_path)])
    record = json.loads((tmp_path / "int8_search_small.json").read_text())
    assert record["command"].startswith("python benchmarks/studies/int8_search.py --ckpt")
    assert record["machine"]["isa"] and record["quantizable_layers"] == 7
    sweep, search = record["ways"]
    assert (sweep["name"], search["name"]) == ("sweep", "search")
    assert sweep["passes"] and search["passes"] and len(search["kept"]) <= len(sweep["kept"])
    assert sweep["graphs"] == 7 + len(sweep["kept"]) + 1 and search["graphs"] == len(record["search_steps"])
    assert sorted(sweep["ranking"]) == sorted(search["ranking"]) and len(search["ranking"]) == 7
    assert set(search["per_set"]) == {"held-out", "photos"}
    note = (tmp_path / "int8_search.md").read_text()
    assert "## small: small.pt (64 px, int8-cpu)" in note and record["command"] in note
    assert note.count("| sweep | ") == 1 and note.count("| search | ") == 1
