"""report.md (``benchmarks.report.markdown``)."""

from __future__ import annotations

from support.bench_results import INT8_REASON, UNAVAILABLE_REASON, make_results

from ugatit_deploy.benchmarks.report import (
    write_markdown,
)


def test_markdown_contains_the_table_rows_and_image_links(tmp_path):
    report = write_markdown(
        make_results(), tmp_path / "report.md", chart=tmp_path / "latency.png", grid=tmp_path / "grid.png"
    ).read_text(encoding="utf-8")
    assert "| backend | precision | batch | status |" in report
    assert (
        "| onnxruntime-cpu | fp32 | 1 | ok | 0.71 | 120.3 | 1.0000 | 2.0e-06 | - | 5.10 | 6.00 | 196 | 40.1 | 21.6 "
        "| 1.40x |" in report
    )
    assert f"| tensorrt | fp16 | 1 | unavailable: {UNAVAILABLE_REASON} | - |" in report
    assert f"| onnxruntime-cpu | int8 | 8 | failed-parity: {INT8_REASON} |" in report
    assert "| torch-cpu | fp32 | 1 | ok | - | inf |" in report
    assert "](latency.png)" in report and "](grid.png)" in report


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
