"""The training throughput study: the record of one short CPU measurement."""

from __future__ import annotations

import json

import pytest
from support.paths import RESULTS
from support.studies import load_study

study = load_study("train_throughput")


@pytest.mark.slow
def test_one_tiny_cpu_step_gives_the_committed_record_shape(tmp_path):
    out = tmp_path / "train.json"
    study.main(["--configs", "tiny", "--devices", "cpu", "--warmup", "0", "--iters", "2", "--out", str(out)])
    record, committed = json.loads(out.read_text()), json.loads((RESULTS / "train_throughput.json").read_text())
    newer = {"isa", "thread_env"}  # machine keys added after the committed record was made
    assert set(record) == set(committed) and set(record["machine"]) == set(committed["machine"]) | newer
    (result,) = record["results"]
    assert set(result) == set(committed["results"][0])
    assert len(result["seconds_per_iter_all"]) == 2
    assert sorted(result["seconds_per_iter_all"])[0] <= result["seconds_per_iter_median"]
    assert result["iters_per_second"] == pytest.approx(1 / result["seconds_per_iter_median"])
