"""The Winograd study: its graph forms compute the direct convolution, on the package's runners."""

from __future__ import annotations

import json

import numpy as np
import pytest
from support.paths import RESULTS
from support.studies import load_study

study = load_study("winograd_graph")


def _rel_error(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.abs(got - want).max() / np.abs(want).max())


def _conv_reference(weight: np.ndarray, x: np.ndarray, size: int) -> np.ndarray:
    """A 3x3 valid convolution in float64 numpy: 1 x K x size x size."""
    windows = np.lib.stride_tricks.sliding_window_view(x[0].astype(np.float64), (3, 3), axis=(1, 2))
    return np.einsum("chwij,kcij->khw", windows[:, :size, :size], weight.astype(np.float64))[None]


@pytest.fixture(scope="module")
def small_layer() -> tuple[np.ndarray, np.ndarray]:
    return study.layer(channels=8, size=8, seed=0)


def test_the_direct_graph_is_a_3x3_convolution(small_layer):
    weight, x = small_layer
    got = study.ort_run(study.direct_graph(weight, 8), threads=1)(x)
    assert got.shape == (1, 8, 8, 8)
    assert _rel_error(got, _conv_reference(weight, x, 8)) < 1e-5


@pytest.mark.parametrize("m", [2, 4])
def test_the_winograd_graph_form_equals_the_direct_conv_on_onnxruntime(small_layer, m):
    weight, x = small_layer
    direct = study.ort_run(study.direct_graph(weight, 8), threads=1)(x)
    winograd = study.ort_run(study.winograd_graph(weight, 8, m), threads=1)(x)
    assert _rel_error(winograd, direct) < 1e-4


def test_openvino_compiles_the_bare_graphs_like_its_runner(small_layer):
    pytest.importorskip("openvino")
    weight, x = small_layer
    direct = study.ort_run(study.direct_graph(weight, 8), threads=1)(x)
    assert _rel_error(study.openvino_run(study.direct_graph(weight, 8), threads=1)(x), direct) < 1e-4
    assert _rel_error(study.openvino_run(study.winograd_graph(weight, 8, 4), threads=1)(x), direct) < 1e-4


def test_rows_compare_every_form_with_onnxruntimes_conv(small_layer, capsys):
    weight, x = small_layer
    runs = {study.BASELINE: study.ort_run(study.direct_graph(weight, 8), 1),
            "f2": study.ort_run(study.winograd_graph(weight, 8, 2), 1)}  # fmt: skip
    rows = study.rows(runs, x, {study.BASELINE: [4.0, 2.0, 3.0], "f2": [1.0, 2.0]}, macs=1000)
    assert rows[0] == {"form": study.BASELINE, "ms_p50": 3.0, "ms_min": 2.0, "speedup_vs_ort_direct": 1.0,
                       "direct_gflops": 0.0, "rel_max_error": 0.0}  # fmt: skip
    assert rows[1]["ms_p50"] == 1.5 and rows[1]["speedup_vs_ort_direct"] == 2.0 and rows[1]["rel_max_error"] < 1e-4
    committed = json.loads((RESULTS / "winograd_graph_form.json").read_text())
    assert all(set(row) == set(committed["rows"][0]) for row in rows)
    assert "f2" in capsys.readouterr().out


@pytest.mark.slow
def test_a_short_run_writes_the_committed_record_shape(tmp_path):
    pytest.importorskip("openvino")
    out = tmp_path / "winograd.json"
    study.main(["--threads", "1", "--rounds", "1", "--iters", "1", "--out", str(out)])
    record, committed = json.loads(out.read_text()), json.loads((RESULTS / "winograd_graph_form.json").read_text())
    assert set(record) == set(committed)
    assert [row["form"] for row in record["rows"]] == [row["form"] for row in committed["rows"]]
    assert all(row["rel_max_error"] < 1e-4 for row in record["rows"])
    assert "isa" in record["machine"]
