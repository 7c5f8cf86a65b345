"""report.md (``benchmarks.report.markdown``)."""

from __future__ import annotations

from dataclasses import replace

from support.bench_results import INT8_REASON, UNAVAILABLE_REASON, make_results

from ugatit_deploy.benchmarks.choose import choose_fastest
from ugatit_deploy.benchmarks.records import Floor
from ugatit_deploy.benchmarks.report import (
    write_markdown,
)
from ugatit_deploy.benchmarks.report.markdown import fastest_line
from ugatit_deploy.core.gates import FAST_PATH_GATE


def test_markdown_contains_the_table_rows_and_image_links(tmp_path):
    report = write_markdown(
        make_results(), tmp_path / "report.md", chart=tmp_path / "latency.png", grid=tmp_path / "grid.png"
    ).read_text(encoding="utf-8")
    assert (
        "| onnxruntime-cpu | fp32 | 1 | ok | 0.71 | 120.3 | 1.0000 | 2.0e-06 | 5.10 | 6.00 | 196 | 40.1 | 21.6 "
        "| cpu-fp32 | 1.40x |" in report
    )
    assert f"| onnxruntime-cpu | int8 | 8 | failed-parity: {INT8_REASON} |" in report
    assert "| torch-cpu | fp32 | 1 | ok | - | inf |" in report
    assert "](latency.png)" in report and "](grid.png)" in report


def test_markdown_header_leaves_out_the_columns_empty_in_every_row(tmp_path):
    report = write_markdown(make_results(), tmp_path / "report.md").read_text(encoding="utf-8")
    assert ("| backend | precision | batch | status | size MB | PSNR dB | SSIM | max abs | ms/img p50 | ms/img p99 "
            "| img/s | eff GFLOP/s | % peak | peak | vs eager |") in report  # fmt: skip


def test_markdown_lists_the_modes_this_machine_cannot_run_under_the_table(tmp_path):
    report = write_markdown(make_results(), tmp_path / "report.md").read_text(encoding="utf-8")
    assert f"Not run here (this machine cannot run them):\n\n- tensorrt: {UNAVAILABLE_REASON}\n" in report
    assert "| tensorrt |" not in report


def test_markdown_shows_the_chosen_modes_grid_and_links_every_modes_grid(tmp_path):
    report = write_markdown(make_results(), tmp_path / "report.md", grid=tmp_path / "grid.png",
                            all_modes=tmp_path / "grid_all_modes.png").read_text(encoding="utf-8")  # fmt: skip
    assert "![Fastest passing mode's outputs and error maps](grid.png)" in report
    assert "Every mode's output and error map: [grid_all_modes.png](grid_all_modes.png)" in report


def test_markdown_has_context_sections_and_gates(tmp_path):
    report = write_markdown(make_results(), tmp_path / "report.md").read_text(encoding="utf-8")
    for heading in ("## Model", "## Inputs", "## Machine", "## Settings", "## Parity gates", "## How to read this"):
        assert heading in report
    assert "- **int8**: psnr ≥ 30 dB" in report and "- **fp32**: maxabs ≤ 0.0001" in report
    assert "data_range 2" in report and ".png)" not in report


def test_markdown_links_images_relative_to_the_report_folder(tmp_path):
    report = write_markdown(
        make_results(), tmp_path / "out" / "report.md", chart=tmp_path / "out" / "charts" / "latency.png", grid=None
    ).read_text(encoding="utf-8")
    assert "](charts/latency.png)" in report and str(tmp_path) not in report


def test_markdown_lists_each_peak_with_its_kernel_and_the_notes_of_rates_above_it(tmp_path):
    results = make_results()
    kernels = {"cpu-fp32": "OpenVINO 2026.4.1 MatMul 2048^3 f32 (brgemm_avx512_f32), 2 threads"}
    results.floor = replace(results.floor, peak_kernels=kernels)
    results.records[0].floor = Floor.of(10**9, 250.0, "cpu-fp32", 186.0)
    report = write_markdown(results, tmp_path / "report.md").read_text(encoding="utf-8")
    assert f"- **measured peak cpu-fp32**: 186.0 GFLOP/s, {kernels['cpu-fp32']}" in report
    assert "- **measured peak cuda-fp16**: not measured" in report
    assert "| 250 | cpu-fp32* | 1.40x |" in report  # no % peak column: no row has a share
    assert ("- onnxruntime-cpu fp32 batch 1: above the measured cpu-fp32 peak (250.0 > 186.0 GFLOP/s): the peak "
            "measurement is low") in report  # fmt: skip


def test_the_report_names_what_the_main_job_would_run(tmp_path):
    results = make_results()
    report = write_markdown(results, tmp_path / "report.md").read_text(encoding="utf-8")
    best = choose_fastest(results.records, FAST_PATH_GATE)
    assert fastest_line(results.records) in report and f"**{best.label}**" in report
    assert fastest_line([]).startswith("Fastest passing at batch 1: none")
