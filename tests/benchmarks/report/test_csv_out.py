"""results.csv (``benchmarks.report.csv_out``)."""

from __future__ import annotations

import csv
import math
from dataclasses import replace

from support.bench_results import INT8_REASON, UNAVAILABLE_REASON, make_results

from ugatit_deploy.benchmarks.records import Floor
from ugatit_deploy.benchmarks.report import (
    write_csv,
)


def test_csv_parses_back_with_statuses_and_numbers(tmp_path):
    path = write_csv(make_results(), tmp_path / "bench.csv")
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4
    assert [row["status"] for row in rows] == ["ok", "failed-parity", "unavailable", "ok"]
    ort, int8, trt, torch_row = rows
    assert float(ort["max_abs"]) == 2e-6 and float(ort["psnr_db"]) == 120.3 and float(ort["size_mb"]) == 0.71
    assert float(ort["ms_per_image_p50"]) == 5.1 and float(ort["ms_per_image_p99"]) == 6.0
    assert float(ort["pct_of_peak"]) == 21.6 and float(ort["speedup_vs_torch_eager"]) == 1.4
    assert ort["peak_key"] == "cpu-fp32" and ort["floor_note"] == ""
    assert int(int8["batch"]) == 8 and float(int8["ms_per_batch_p50"]) == 20.0 and int8["reason"] == INT8_REASON
    assert float(torch_row["psnr_db"]) == math.inf
    assert trt["reason"] == UNAVAILABLE_REASON


def test_csv_leaves_missing_values_empty(tmp_path):
    path = write_csv(make_results(), tmp_path / "bench.csv")
    with open(path, newline="", encoding="utf-8") as handle:
        trt = list(csv.DictReader(handle))[2]
    assert trt["psnr_db"] == trt["ms_per_image_p50"] == trt["gpu_peak_mb"] == trt["artifact"] == ""


def test_csv_keeps_the_parity_measures_a_newer_bench_adds(tmp_path):
    results = make_results()
    first = results.records[0]
    first.parity = replace(first.parity, extra={"cam_logit_rel_max": 1e-5, "per_channel": [1.0, 2.0]})
    with open(write_csv(results, tmp_path / "bench.csv"), newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert reader.fieldnames.index("cam_logit_rel_max") == reader.fieldnames.index("nonfinite") + 1
    assert "per_channel" not in reader.fieldnames  # lists stay in results.json
    assert float(rows[0]["cam_logit_rel_max"]) == 1e-5 and rows[3]["cam_logit_rel_max"] == ""


def test_csv_has_the_flat_columns(tmp_path):
    path = write_csv(make_results(), tmp_path / "bench.csv")
    with open(path, newline="", encoding="utf-8") as handle:
        columns = csv.DictReader(handle).fieldnames
    assert columns == [
        "backend",
        "precision",
        "variant",
        "batch",
        "status",
        "reason",
        "artifact",
        "size_mb",
        "max_abs",
        "mean_abs",
        "p99_abs",
        "psnr_db",
        "ssim",
        "changed_uint8_pct",
        "nonfinite",
        "ms_per_image_p50",
        "ms_per_image_p90",
        "ms_per_image_p99",
        "ms_per_image_mean",
        "ms_per_image_std",
        "ms_per_batch_p50",
        "images_per_s",
        "peak_rss_mb",
        "gpu_peak_mb",
        "pct_of_peak",
        "peak_key",
        "floor_note",
        "speedup_vs_torch_eager",
    ]


def test_csv_names_each_rows_peak_and_the_note_of_a_rate_above_it(tmp_path):
    results = make_results()
    results.records[0].floor = Floor.of(10**9, 250.0, "cpu-fp32", 186.0, winograd=True)
    with open(write_csv(results, tmp_path / "bench.csv"), newline="", encoding="utf-8") as handle:
        ort = next(csv.DictReader(handle))
    assert ort["pct_of_peak"] == "" and ort["peak_key"] == "cpu-fp32"
    assert ort["floor_note"] == results.records[0].floor.note and ort["floor_note"].startswith("Winograd: ")
