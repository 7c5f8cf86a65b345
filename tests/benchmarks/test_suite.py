"""The bench run (``benchmarks.suite``): its inputs and the sets judged on their own."""

from __future__ import annotations

from pathlib import Path

from ugatit_deploy.benchmarks.suite import image_sets, load_inputs


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
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")  # another CPU class: measured again
    suite._first_peaks(2, lambda _: None)
    assert measured == [2, 2]
