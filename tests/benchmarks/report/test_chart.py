"""latency.png (``benchmarks.report.chart``)."""

from __future__ import annotations

import pytest
from PIL import Image
from support.bench_results import make_results

from ugatit_deploy.benchmarks.report import (
    plot_latency,
)


@pytest.mark.slow
def test_chart_is_a_valid_png(tmp_path):
    path = plot_latency(make_results(), tmp_path / "latency.png")
    assert path == tmp_path / "latency.png"
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width > 100 and image.height > 100


def test_chart_is_not_written_when_no_record_has_latency(tmp_path):
    results = make_results()
    for record in results.records:
        record.latency = None
    assert plot_latency(results, tmp_path / "latency.png") is None
    assert list(tmp_path.iterdir()) == []
