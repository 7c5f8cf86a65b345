"""The typed bench results: every committed results.json reads into records and writes back unchanged."""

from __future__ import annotations

import json
import math

import pytest
from support.paths import RESULTS as RESULTS_DIR

from ugatit_deploy.benchmarks.records import (
    SCHEMA,
    BenchRecord,
    BenchResults,
    Floor,
    FloorSummary,
    Parity,
    SchemaError,
    SetQuality,
)
from ugatit_deploy.benchmarks.report import format_table

RESULTS = sorted(RESULTS_DIR.glob("bench_*.json"))


def test_the_committed_results_are_found():
    assert len(RESULTS) >= 4


@pytest.mark.parametrize("path", RESULTS, ids=[path.name for path in RESULTS])
def test_committed_results_round_trip_through_the_records(path):
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    results = BenchResults.from_dict(data)
    assert all(isinstance(record, BenchRecord) for record in results.records)
    assert results.to_dict() == data
    assert json.dumps(results.to_dict(), indent=2, allow_nan=True) + "\n" == text  # key order too
    table = format_table(results)  # the renderers read what was read
    assert all(f"{record.backend}  " in table for record in results.records)


def test_keys_older_benches_did_not_write_stay_absent():
    data = json.loads(RESULTS[0].read_text(encoding="utf-8"))
    record = next(r for r in data["records"] if r["parity"])
    for key in ("variant",):
        record.pop(key, None)
    for key in ("ssim", "psnr_per_image", "by_set"):
        record["parity"].pop(key, None)
    data["inputs"].pop("sets", None)
    data["settings"].pop("rounds", None)
    results = BenchResults.from_dict(data)
    typed = next(r for r in results.records if r.parity)
    assert typed.variant is None and typed.parity.ssim is None and typed.parity.by_set is None
    assert results.inputs.sets is None and results.settings.rounds is None
    assert results.to_dict() == data


def test_parity_keys_a_newer_bench_adds_are_kept():
    data = {"max_abs": 0.1, "mean_abs": 0.01, "p99_abs": 0.05, "psnr_db": math.inf, "ssim": 1.0,
            "changed_uint8_pct": 0.0, "nonfinite": 0, "heatmap_rel_max": 1e-4, "psnr_per_image": [40.0],
            "by_set": {"photos": {"psnr_db": 40.0, "ssim": 0.99, "max_abs": 0.1}}}  # fmt: skip
    parity = Parity.from_dict(data)
    assert parity.extra == {"heatmap_rel_max": 1e-4}
    assert parity.by_set == {"photos": SetQuality(40.0, 0.99, 0.1)}
    assert parity.to_dict() == data
    assert parity.scalars()["heatmap_rel_max"] == 1e-4 and "by_set" not in parity.scalars()


def test_a_record_without_measurements_writes_null_parts():
    record = BenchRecord(backend="tensorrt", precision="-", batch=1, label="tensorrt -", status="unavailable",
                         reason="TensorRT is not installed")  # fmt: skip
    data = record.to_dict()
    assert list(data) == ["backend", "precision", "variant", "options", "batch", "label", "artifact", "size_mb",
                          "status", "reason", "parity", "gate", "latency", "memory", "floor",
                          "speedup_vs_torch_eager"]  # fmt: skip
    assert data["variant"] == "" and data["parity"] is None and data["speedup_vs_torch_eager"] is None
    assert BenchRecord.from_dict(data) == record


@pytest.mark.parametrize(
    ("change", "message"),
    [({"schema": "other"}, "not a bench results file"), ({"schema_version": 2}, "reads versions 1-1")],
)
def test_other_schemas_and_newer_versions_are_refused(change, message):
    data = {**json.loads(RESULTS[0].read_text(encoding="utf-8")), **change}
    with pytest.raises(SchemaError, match=message):
        BenchResults.from_dict(data)
    assert SCHEMA == "ugatit-deploy/bench"


def test_a_rate_within_its_peak_gets_its_share_and_no_note():
    floor = Floor.of(10**9, 50.0, "cpu-fp32", 200.0)
    assert floor == Floor(gflops_achieved=50.0, peak_gflops=200.0, peak_key="cpu-fp32", pct_of_peak=25.0)
    assert "note" not in floor.to_dict() and Floor.from_dict(floor.to_dict()) == floor


def test_a_winograd_rate_above_its_peak_gets_no_share_but_a_note_naming_winograd():
    floor = Floor.of(10**9, 330.0, "cpu-fp32", 228.0, winograd=True)
    assert floor.pct_of_peak is None and floor.peak_gflops == 228.0
    assert floor.note == ("Winograd: effective 330.0 GFLOP/s counts direct-convolution FLOPs; its transforms do "
                          "fewer multiplications, so it exceeds the 228.0 GFLOP/s cpu-fp32 peak")  # fmt: skip
    assert Floor.from_dict(floor.to_dict()) == floor


def test_another_rate_above_its_peak_says_the_peak_measurement_is_low():
    floor = Floor.of(10**9, 330.0, "cpu-int8", 228.0)
    assert floor.pct_of_peak is None
    assert floor.note == "above the measured cpu-int8 peak (330.0 > 228.0 GFLOP/s): the peak measurement is low"
    assert floor.with_peak(660.0).note is None and floor.with_peak(660.0).pct_of_peak == 50.0


def test_a_rate_above_a_capped_peak_from_kernels_that_ignore_the_cap_says_not_capped():
    floor = Floor.of(10**9, 330.0, "cpu-fp32", 228.0, uncapped=True)
    assert floor.pct_of_peak is None and floor.peak_gflops == 228.0
    assert floor.note == ("not capped: its own kernels ignore ONEDNN_MAX_CPU_ISA and use the whole CPU, so its "
                          "330.0 GFLOP/s passes the capped class's 228.0 GFLOP/s cpu-fp32 peak")  # fmt: skip
    assert Floor.of(10**9, 114.0, "cpu-fp32", 228.0, uncapped=True).pct_of_peak == 50.0


def test_a_floor_and_summary_without_the_newer_keys_still_load():
    old_floor = {"gflops_achieved": 40.1, "peak_gflops": 186.0, "peak_key": "cpu-fp32", "pct_of_peak": 21.6}
    old_summary = {"flops_per_image": 1_200_000_000, "peaks_gflops": {"cpu-fp32": 186.0}}
    floor, summary = Floor.from_dict(old_floor), FloorSummary.from_dict(old_summary)
    assert floor.note is None and summary.peak_kernels is None
    assert floor.to_dict() == old_floor and summary.to_dict() == old_summary


def test_the_kernel_of_each_peak_is_kept():
    kernels = {"cpu-fp32": "OpenVINO 2026.4.1 MatMul 2048^3 f32 (brgemm_avx512_f32), 2 threads"}
    summary = FloorSummary(1_200_000_000, {"cpu-fp32": 228.0}, kernels)
    assert summary.to_dict()["peak_kernels"] == kernels and FloorSummary.from_dict(summary.to_dict()) == summary
