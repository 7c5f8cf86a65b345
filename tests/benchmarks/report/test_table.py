"""The terminal table (``benchmarks.report.table``)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from support.bench_results import INT8_REASON, make_results, record

from ugatit_deploy.benchmarks.measure import base_record
from ugatit_deploy.benchmarks.plan import Artifact, PreparedArtifacts, plan_cases
from ugatit_deploy.benchmarks.records import (
    Floor,
    SetQuality,
)
from ugatit_deploy.benchmarks.report import (
    format_table,
    write_markdown,
)
from ugatit_deploy.benchmarks.report.table import TABLE_REASON_CHARS
from ugatit_deploy.benchmarks.settings import BenchSettings
from ugatit_deploy.forms import FORMS
from ugatit_deploy.training.task_score import TaskScore


def _table_header(table: str) -> list[str]:
    """The column names of format_table's output (the line above the dashed rule, split at 2+ spaces)."""
    lines = table.splitlines()
    header = lines[next(index for index, line in enumerate(lines) if set(line.replace(" ", "")) == {"-"}) - 1]
    return re.split(r"\s{2,}", header)


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


def test_table_has_one_row_per_mode_tried_here_in_the_given_order():
    rows = _table_rows(format_table(make_results()))
    assert [row.split()[:3] for row in rows] == [
        ["onnxruntime-cpu", "fp32", "1"],
        ["onnxruntime-cpu", "int8", "8"],
        ["torch-cpu", "fp32", "1"],
    ]


def test_table_header_leaves_out_the_columns_empty_in_every_row():
    assert _table_header(format_table(make_results())) == [  # no task dB: no record has a task score
        "backend", "precision", "batch", "status", "size MB", "PSNR dB", "SSIM", "max abs", "ms/img p50", "ms/img p99",
        "img/s", "eff GFLOP/s", "% peak", "peak", "vs eager"]  # fmt: skip
    results = make_results()
    results.records[0].floor = None  # the only record with a floor
    assert _table_header(format_table(results))[-3:] == ["ms/img p99", "img/s", "vs eager"]


def test_a_cold_start_gets_its_column_only_where_a_runner_measured_one():
    results = make_results()
    assert "cold start ms" not in _table_header(format_table(results))
    results.records[0].cold_start_ms = 2876.4
    header, rows = _table_header(format_table(results)), _table_rows(format_table(results))
    assert header[header.index("ms/img p99") + 1] == "cold start ms" and "2876" in rows[0]


def test_table_shows_a_failed_parity_row_with_its_reason():
    rows = _table_rows(format_table(make_results()))
    assert f"failed-parity: {INT8_REASON}" in rows[1]


def test_modes_this_machine_cannot_run_are_listed_under_the_table_by_reason():
    results = make_results()
    cuda = ("torch-cuda", "onnxruntime-tensorrt", "onnxruntime-cuda")
    results.records += [record(backend, "fp32", batch, status="unavailable", reason="no CUDA device")
                        for backend in cuda for batch in (1, 8)]  # fmt: skip
    results.records.append(record("onnxruntime-tensorrt", "int8-cpu", 1, status="unsupported", reason="uint8"))
    results.records += [record("openvino-cpu", "fp32", 1), record("openvino-cpu", "fp32", 1, compute="bf16",
                        status="unavailable", reason="this CPU has no native BF16 instructions")]  # fmt: skip
    table = format_table(results)
    assert table.split("\n\nnot run here:\n")[1].splitlines() == [
        "  tensorrt: TensorRT is not installed",
        "  onnxruntime-cuda, onnxruntime-tensorrt, torch-cuda: no CUDA device",
        "  openvino-cpu bf16: this CPU has no native BF16 instructions",
    ]
    assert [row.split()[0] for row in _table_rows(table)] == ["onnxruntime-cpu"] * 2 + [
        "torch-cpu", "onnxruntime-tensorrt", "openvino-cpu"]  # fmt: skip


def test_each_form_tensorrt_refuses_shows_its_own_reason():
    refused = [name for name, form in FORMS.items() if not form.tensorrt]
    artifacts = PreparedArtifacts(tuple(Artifact("onnx", Path(f"{name}.onnx"), name) for name in refused))
    cases = plan_cases(BenchSettings(checkpoint=Path("model.pt"), backends=("onnxruntime-tensorrt",)), artifacts)
    results = make_results()
    results.records = [base_record(case, None, 1, *case.problem) for case in cases]
    table = format_table(results)
    rows, full = _table_rows(table), table.split("\n\nreasons in full:\n")[1].splitlines()
    assert refused == ["fp32-winograd", "fp32-int8x3", "int8-cpu"]
    for row, line, name in zip(rows, full, refused, strict=True):
        reason = FORMS[name].not_for_tensorrt
        assert row.split()[:2] == ["onnxruntime-tensorrt", name]
        assert f"unsupported: {reason[: TABLE_REASON_CHARS - 1].rstrip()}…" in row
        assert line == f"  onnxruntime-tensorrt {name}: unsupported: {reason}"


def test_table_formats_values_and_prints_missing_as_dash():
    rows = _table_rows(format_table(make_results()))
    ort = rows[0].split()
    assert ort[-11:] == ["0.71", "120.3", "1.0000", "2.0e-06", "5.10", "6.00", "196", "40.1", "21.6", "cpu-fp32",
                         "1.40x"]  # fmt: skip
    assert rows[2].split()[-11:] == ["-", "inf", "1.0000", "0.0e+00", "7.20", "8.00", "139", "-", "-", "-", "1.00x"]


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


def test_table_truncates_long_reasons_lists_them_in_full_and_markdown_keeps_them(tmp_path):
    results = make_results()
    long_reason = "x" * 100
    results.records[2] = record("tensorrt", "fp16", 1, status="failed", reason=long_reason)
    table = format_table(results)
    row = _table_rows(table)[2]
    assert "failed: " + "x" * 39 + "…" in row and long_reason not in row
    assert table.split("\n\nreasons in full:\n")[1] == f"  tensorrt fp16: failed: {long_reason}"
    report = write_markdown(results, tmp_path / "report.md").read_text(encoding="utf-8")
    assert f"| failed: {long_reason} |" in report


def test_table_merges_the_batches_of_a_mode_that_did_not_run():
    results = make_results()
    refused = record("onnxruntime-tensorrt", "int8-cpu", 1, status="unsupported", reason="uint8 zero points")
    results.records[2:3] = [refused, replace(refused, batch=8)]
    rows = _table_rows(format_table(results))
    assert len(rows) == 4
    assert rows[2].split()[:5] == ["onnxruntime-tensorrt", "int8-cpu", "1,8", "unsupported:", "uint8"]


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
    assert _table_rows(table)[0].split()[-3:] == ["250", "cpu-fp32*", "1.40x"]
    assert "% peak" not in _table_header(table)  # no row has a share of its peak
    assert f"% peak not shown (*):\n  onnxruntime-cpu fp32 batch 1: {first.floor.note}" in table
