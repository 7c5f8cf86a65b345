"""The serving study: concurrent clients timed with the shared loop, the served/direct comparison, a chart,
and (slow, with a Triton server) a whole short run."""

from __future__ import annotations

import argparse
import json
import threading

import pytest
from support.paths import RESULTS
from support.studies import load_study

study = load_study("serve_bench")


def _committed() -> dict:
    return json.loads((RESULTS / "serve_demo.json").read_text())


def test_every_client_makes_its_requests_and_each_is_timed():
    calls, lock = [], threading.Lock()

    def call() -> None:
        with lock:
            calls.append(threading.current_thread().name)

    row = study.measure(3, 4, call)
    assert len(calls) == 12 and len(set(calls)) == 3  # three threads, four calls each
    assert row["concurrency"] == 3 and row["requests"] == 12 and row["images_per_s"] > 0
    assert 0 <= row["p50_ms"] <= row["p99_ms"]
    direct = next(r for r in _committed()["rows"] if r["mode"] == "direct")
    assert set(row) | {"mode"} == set(direct)


def test_served_rows_are_compared_with_direct_calls_at_the_same_concurrency():
    rows = [{"mode": "served", "concurrency": 1, "p50_ms": 3.0, "images_per_s": 100.0},
            {"mode": "direct", "concurrency": 1, "p50_ms": 2.0, "images_per_s": 400.0}]  # fmt: skip
    study.compare(rows, [1])
    assert rows[0]["overhead_p50_pct"] == 50.0 and rows[0]["throughput_vs_direct"] == 0.25
    assert "overhead_p50_pct" not in rows[1]


@pytest.mark.slow
def test_the_chart_is_written(tmp_path):
    rows = [{"mode": mode, "concurrency": c, "images_per_s": 10.0 * c, "p50_ms": 1.0 + c, "p99_ms": 2.0 + c}
            for mode in ("served", "direct") for c in (1, 4)]  # fmt: skip
    study.chart(rows, tmp_path / "serve.png")
    assert (tmp_path / "serve.png").read_bytes()[:4] == b"\x89PNG"


def test_direct_rows_share_one_runner_between_the_client_threads():
    import numpy as np

    from ugatit_deploy.assets import shapes_model_path

    args = argparse.Namespace(backend="torch-cpu", model=shapes_model_path(), requests=2)
    image = np.zeros((1, 3, 64, 64), np.float32)
    rows = study.direct_rows(args, image, [1, 2])
    assert [(r["mode"], r["concurrency"], r["requests"]) for r in rows] == [("direct", 1, 2), ("direct", 2, 4)]


@pytest.mark.slow
@pytest.mark.serve
def test_a_short_served_run_writes_the_committed_record_shape(tmp_path):
    from ugatit_deploy.assets import shapes_model_path
    from ugatit_deploy.core.errors import UnavailableError
    from ugatit_deploy.serving.triton_runtime import find_runtime

    pytest.importorskip("tritonclient.grpc")
    try:
        find_runtime()
    except UnavailableError as exc:
        pytest.skip(str(exc))
    out = tmp_path / "serve.json"
    study.main(["--model", str(shapes_model_path()), "--backend", "torch-cpu", "--concurrency", "1,2",
                "--requests", "3", "--out", str(out)])  # fmt: skip
    record, committed = json.loads(out.read_text()), _committed()
    assert set(record) == set(committed) and "isa" in record["machine"]
    levels = [(r["mode"], r["concurrency"]) for r in record["rows"]]
    assert levels == [("served", 1), ("served", 2), ("direct", 1), ("direct", 2)]
    served = next(r for r in committed["rows"] if r["mode"] == "served")
    assert set(record["rows"][0]) == set(served)
    assert out.with_suffix(".png").is_file()
