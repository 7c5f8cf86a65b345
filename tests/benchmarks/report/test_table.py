"""The terminal table (``benchmarks.report.table``)."""

from __future__ import annotations

from dataclasses import replace

from support.bench_results import INT8_REASON, UNAVAILABLE_REASON, make_results

from ugatit_deploy.benchmarks.records import (
    Floor,
    SetQuality,
)
from ugatit_deploy.benchmarks.report import (
    format_table,
    write_markdown,
)
from ugatit_deploy.training.task_score import TaskScore


def _table_rows(table: str) -> list[str]:
    """The body rows of format_table's output (after the dashed rule under the column names)."""
    lines = table.splitlines()
    rule = next(index for index, line in enumerate(lines) if set(line.replace(" ", "")) == {"-"})
    body = lines[rule + 1 :]
    return body[: body.index("")] if "" in body else body


def test_table_header_names_model_size_and_machine():
    header = format_table(make_results()).splitlines()[:2]
    assert "demo_shapes_a2b.pt" in header[0] and "64 px" in header[0]
    assert "AMD EPYC" in header[1] and "2 cores" in header[1] and "no GPU" in header[1]


def test_table_has_one_row_per_record_in_the_given_order():
    rows = _table_rows(format_table(make_results()))
    assert len(rows) == 4
    assert [row.split()[:3] for row in rows] == [
        ["onnxruntime-cpu", "fp32", "1"],
        ["onnxruntime-cpu", "int8", "8"],
        ["tensorrt", "fp16", "1"],
        ["torch-cpu", "fp32", "1"],
    ]


def test_table_shows_unavailable_reason_and_failed_parity():
    rows = _table_rows(format_table(make_results()))
    assert f"unavailable: {UNAVAILABLE_REASON}" in rows[2]
    assert f"failed-parity: {INT8_REASON}" in rows[1]


def test_table_formats_values_and_prints_missing_as_dash():
    rows = _table_rows(format_table(make_results()))
    ort = rows[0].split()
    assert ort[-12:] == ["0.71", "120.3", "1.0000", "2.0e-06", "-", "5.10", "6.00", "196", "40.1", "21.6", "cpu-fp32",
                         "1.40x"]  # fmt: skip
    assert rows[2].split()[-12:] == ["-"] * 12  # unavailable: nothing measured
    assert rows[3].split()[-12:] == ["-", "inf", "1.0000", "0.0e+00", "-", "7.20", "8.00", "139", "-", "-", "-",
                                     "1.00x"]  # fmt: skip


def test_a_task_score_gets_its_column_and_a_note_with_the_photos_own_score():
    results = make_results()
    task = TaskScore(images=4, psnr_db=18.256, ssim=0.7, input_psnr_db=15.894, input_ssim=0.512)
    results.records[0].task = task
    table = format_table(results)
    assert _table_rows(table)[0].split()[-8] == "18.26"
    assert "the photos themselves score 15.89 dB (SSIM 0.512)" in table
    assert "task dB" not in format_table(make_results()).split("\n\n")[-1]


def test_quality_per_input_set_is_listed_under_the_table_and_in_markdown(tmp_path):
    results = make_results()
    results.inputs = replace(results.inputs, sets={"photos": [0, 4], "demo": [4, 8]})
    first = results.records[0]
    by_set = {"photos": SetQuality(41.23, 0.98761, 0.1), "demo": SetQuality(46.5, 0.9941, 0.1)}
    first.parity = replace(first.parity, by_set=by_set)
    table = format_table(results)
    assert "PSNR dB / SSIM per input set (photos, demo):" in table
    assert "  onnxruntime-cpu fp32 b1: photos 41.2 / 0.9876, demo 46.5 / 0.9941" in table
    report = write_markdown(results, tmp_path / "report.md").read_text(encoding="utf-8")
    assert "| backend | batch | photos PSNR dB | photos SSIM | demo PSNR dB | demo SSIM |" in report
    assert "| onnxruntime-cpu fp32 | 1 | 41.2 | 0.9876 | 46.5 | 0.9941 |" in report


def test_table_tells_int8_files_with_extra_float_layers_apart():
    results = make_results()
    results.records[1].variant = "keep-fp 6"
    results.records[1].label = "onnxruntime-cpu int8 keep-fp 6"
    assert _table_rows(format_table(results))[1].split()[:4] == ["onnxruntime-cpu", "int8", "keep-fp", "6"]


def test_table_tells_the_latency_and_throughput_modes_of_one_file_apart():
    results = make_results()
    results.records[1].label = "onnxruntime-cpu int8 (throughput_hint)"
    assert _table_rows(format_table(results))[1].split()[:3] == ["onnxruntime-cpu", "int8", "(throughput_hint)"]


def test_table_truncates_long_reasons_but_markdown_keeps_them(tmp_path):
    results = make_results()
    long_reason = "x" * 100
    results.records[2].reason = long_reason
    table = format_table(results)
    row = _table_rows(table)[2]
    assert "unavailable: " + "x" * 39 + "…" in row and long_reason not in row
    assert f"tensorrt fp16: unavailable: {long_reason}" in table.split("not run here:")[1]
    report = write_markdown(results, tmp_path / "report.md").read_text(encoding="utf-8")
    assert f"unavailable: {long_reason}" in report


def test_table_merges_the_batches_of_a_backend_that_did_not_run():
    results = make_results()
    results.records.insert(3, replace(results.records[2], batch=8))
    rows = _table_rows(format_table(results))
    assert len(rows) == 4
    assert rows[2].split()[:3] == ["tensorrt", "fp16", "1,8"]


def test_the_header_lists_each_peak_with_its_kernel_or_what_measured_it_is_unknown():
    results = make_results()
    assert format_table(results).splitlines()[2:4] == ["peak cpu-fp32: 186.0 GFLOP/s", "peak cuda-fp16: not measured"]
    kernels = {"cpu-fp32": "OpenVINO 2026.4.1 MatMul 2048^3 f32 (brgemm_avx512_f32), 2 threads",
               "cuda-fp16": "not measured: no GPU"}  # fmt: skip
    results.floor = replace(results.floor, peak_kernels=kernels)
    assert format_table(results).splitlines()[2:5] == [
        "peak cpu-fp32: 186.0 GFLOP/s, OpenVINO 2026.4.1 MatMul 2048^3 f32 (brgemm_avx512_f32), 2 threads",
        "peak cuda-fp16: not measured: no GPU",
        "",
    ]


def test_a_rate_above_its_peak_shows_no_share_but_a_marked_peak_and_the_note():
    results = make_results()
    first = results.records[0]
    first.floor = Floor.of(10**9, 250.0, "cpu-fp32", 186.0, winograd=True)
    table = format_table(results)
    assert _table_rows(table)[0].split()[-4:] == ["250", "-", "cpu-fp32*", "1.40x"]
    assert f"% peak not shown (*):\n  onnxruntime-cpu fp32 batch 1: {first.floor.note}" in table
