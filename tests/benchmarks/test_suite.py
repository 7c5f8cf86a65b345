"""The bench run (``benchmarks.suite``): its inputs, the sets judged on their own, its progress bar and the
files it writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from support.terminal import Terminal, stderr_as

from ugatit_deploy.assets import shapes_model_path
from ugatit_deploy.benchmarks.report import GRID_GAP, GRID_LABEL_WIDTH
from ugatit_deploy.benchmarks.suite import BenchRun, BenchSettings, image_sets, load_inputs, run_bench, write_outputs


def test_default_inputs_are_judged_as_photos_and_demo_images_apart():
    names = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.png"] + [f"demo_circle_{i}" for i in range(4)]
    assert image_sets(names, None) == {"photos": [0, 4], "demo": [4, 8]}
    assert image_sets(names, Path("mine")) == {"images": [0, 8]}


def test_a_photo_model_is_benchmarked_on_the_bundled_photos_only():
    images, names = load_inputs(None, 64, circles=False)
    assert names == ["astronaut.png", "chelsea.png", "coffee.png", "rocket.png"] and images.shape == (4, 3, 64, 64)
    assert image_sets(names, None) == {"photos": [0, 4]}
    assert load_inputs(None, 64)[1][4:] == [f"demo_circle_{i}" for i in range(4)]


def test_the_peaks_are_measured_once_per_cpu_class_and_then_reused(tmp_path, monkeypatch):
    from ugatit_deploy.benchmarks import suite
    from ugatit_deploy.benchmarks.peaks import Peak

    monkeypatch.setenv("UGATIT_DEPLOY_CACHE", str(tmp_path))
    measured = []
    monkeypatch.setattr(
        suite, "measure_peaks", lambda threads: measured.append(threads) or {"cpu-fp32": Peak(99.5, "k")}
    )
    first, reused_first = suite._first_peaks(2, lambda _: None)
    suite._keep_peaks(2, first)
    lines: list[str] = []
    second, reused_second = suite._first_peaks(2, lines.append)
    assert measured == [2] and not reused_first and reused_second and second == first == {"cpu-fp32": Peak(99.5, "k")}
    assert lines[0].startswith("reusing the matmul peaks measured earlier on this CPU class (peaks/")
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "SSE41")  # another CPU class (no run of the suite has this cap)
    suite._first_peaks(2, lambda _: None)
    assert measured == [2, 2]


# A bench of the shapes model on torch-cpu alone: its 4 photos and 4 circles at 64 px, nothing exported.


def _bench(out: Path, progress: bool) -> BenchRun:
    settings = BenchSettings(checkpoint=shapes_model_path(), backends=("torch-cpu",), iters=1, warmup=0, peaks=False,
                             out=out)  # fmt: skip
    return run_bench(settings, log=lambda _: None, progress=progress)


@pytest.mark.slow
def test_the_bench_draws_a_bar_over_the_modes_it_measures_on_a_terminal(tmp_path, monkeypatch):
    terminal = stderr_as(monkeypatch, Terminal())
    _bench(tmp_path, progress=True)
    assert "measuring:   0%|          | 0/1 [" in terminal.getvalue()


@pytest.mark.slow
def test_the_bench_draws_no_bar_when_told_not_to(tmp_path, monkeypatch):
    terminal = stderr_as(monkeypatch, Terminal())
    _bench(tmp_path, progress=False)
    assert terminal.getvalue() == ""


@pytest.mark.slow
def test_grid_png_shows_the_fastest_passing_mode_and_grid_all_modes_png_every_mode(tmp_path):
    files = write_outputs(_bench(tmp_path, progress=False), tmp_path)
    tile = GRID_GAP + 2 * 64  # 64 px images upscaled to 128
    with Image.open(files["grid"]) as grid, Image.open(files["grid_all_modes"]) as every:
        assert grid.size == (GRID_LABEL_WIDTH + GRID_GAP + 8 * tile, GRID_GAP + 4 * tile)  # all 8 images
        assert every.size == (GRID_LABEL_WIDTH + GRID_GAP + 6 * tile, GRID_GAP + 4 * tile)  # the first 6
    assert (files["grid"].name, files["grid_all_modes"].name) == ("grid.png", "grid_all_modes.png")
    report = files["report"].read_text(encoding="utf-8")
    assert "](grid.png)" in report and "](grid_all_modes.png)" in report
