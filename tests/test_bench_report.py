"""The human-facing bench outputs: terminal table, CSV, report.md, latency chart and image grid."""

from __future__ import annotations

import csv
import math
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from ugatit_deploy.benchmarks.records import (
    BenchRecord,
    BenchResults,
    Floor,
    FloorSummary,
    GateResult,
    Inputs,
    Latency,
    Memory,
    ModelInfo,
    Parity,
    RunSettings,
    SetQuality,
    Stats,
)
from ugatit_deploy.benchmarks.report import (
    GRID_GAP,
    GRID_LABEL_WIDTH,
    GRID_MAX_COLUMNS,
    format_table,
    image_grid,
    plot_latency,
    write_csv,
    write_markdown,
)
from ugatit_deploy.gates import Gate

UNAVAILABLE_REASON = "TensorRT is not installed"
INT8_REASON = "psnr_db 24.1 < 30.0"
MACHINE = {"cpu": "AMD EPYC", "cpu_count": 2, "torch_threads": 2, "gpu": None, "python": "3.11.7",
           "torch": "2.13.0+cpu", "cuda": None, "onnxruntime": "1.32.0", "tensorrt": None,
           "ugatit_deploy": "0.1.0"}  # fmt: skip


def _latency(p50: float, p99: float, batch: int) -> Latency:
    per_image = Stats(p50=p50, p90=p50 * 1.05, p99=p99, mean=p50 * 1.02, std=0.1, min=p50 * 0.98)
    per_batch = Stats(**{key: value * batch for key, value in per_image.to_dict().items()})
    return Latency(per_batch, per_image, images_per_s=1000.0 / p50, iters=20, samples_ms=[p50 * batch] * 20)


def _record(backend: str, precision: str, batch: int, status: str = "ok", reason: str = "", **parts) -> BenchRecord:
    return BenchRecord(backend=backend, precision=precision, batch=batch, label=f"{backend} {precision}",
                       status=status, reason=reason, **parts)  # fmt: skip


def _parity(max_abs: float, psnr_db: float) -> Parity:
    return Parity(max_abs=max_abs, mean_abs=max_abs / 20, p99_abs=max_abs / 2, psnr_db=psnr_db, ssim=1.0,
                  changed_uint8_pct=0.0, nonfinite=0)  # fmt: skip


def _passed(gate: Gate) -> GateResult:
    return GateResult(True, [], gate.describe())


def make_results() -> BenchResults:
    """Four records: ok ORT fp32, failed-parity ORT int8, unavailable TensorRT, the torch-cpu fp32 baseline."""
    gates = {"fp32": Gate(max_abs=1e-4), "fp16": Gate(min_psnr_db=50.0), "int8": Gate(min_psnr_db=30.0)}
    return BenchResults(
        created_utc="2026-11-27T12:00:00+00:00",
        command="ugatit-deploy bench demo_shapes_a2b.pt",
        machine=dict(MACHINE),
        model=ModelInfo(
            "demo_shapes_a2b.pt", "ab" * 32, "a2b", {"ngf": 8, "n_blocks": 4, "img_size": 64, "light": True}
        ),
        inputs=Inputs(size=64, count=8, names=["photo_a.png", "photo_b.png"], source="photos"),
        settings=RunSettings(warmup=3, iters=20, threads=2, batches=[1, 8]),
        floor=FloorSummary(1.2e9, {"cpu-fp32": 186.0, "cuda-fp16": None}),
        gates={precision: gate.describe() for precision, gate in gates.items()},
        gated_precisions=[],
        records=[
            _record(
                "onnxruntime-cpu",
                "fp32",
                1,
                artifact="demo_a2b_fp32.onnx",
                size_mb=0.71,
                parity=_parity(2e-6, 120.3),
                gate=_passed(gates["fp32"]),
                latency=_latency(5.1, 6.0, 1),
                memory=Memory(512.0),
                floor=Floor(gflops_achieved=40.1, peak_gflops=186.0, peak_key="cpu-fp32", pct_of_peak=21.6),
                speedup_vs_torch_eager=1.4,
            ),
            _record(
                "onnxruntime-cpu",
                "int8",
                8,
                status="failed-parity",
                reason=INT8_REASON,
                artifact="demo_a2b_int8.onnx",
                size_mb=0.25,
                parity=_parity(0.5, 24.1),
                gate=GateResult(False, [INT8_REASON], gates["int8"].describe()),
                latency=_latency(2.5, 3.2, 8),
                memory=Memory(600.0),
                speedup_vs_torch_eager=2.9,
            ),
            _record("tensorrt", "fp16", 1, status="unavailable", reason=UNAVAILABLE_REASON),
            _record(
                "torch-cpu",
                "fp32",
                1,
                parity=_parity(0.0, math.inf),
                gate=_passed(gates["fp32"]),
                latency=_latency(7.2, 8.0, 1),
                memory=Memory(480.0),
                speedup_vs_torch_eager=1.0,
            ),
        ],
    )


def _table_rows(table: str) -> list[str]:
    """The body rows of format_table's output (after the dashed rule under the column names)."""
    lines = table.splitlines()
    rule = next(index for index, line in enumerate(lines) if set(line.replace(" ", "")) == {"-"})
    body = lines[rule + 1 :]
    return body[: body.index("")] if "" in body else body


# --------------------------------------------------------------------------------------------- table


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
    assert ort[-10:] == ["0.71", "120.3", "1.0000", "2.0e-06", "5.10", "6.00", "196", "40.1", "21.6", "1.40x"]
    assert rows[2].split()[-10:] == ["-"] * 10  # unavailable: nothing measured
    assert rows[3].split()[-10:] == ["-", "inf", "1.0000", "0.0e+00", "7.20", "8.00", "139", "-", "-", "1.00x"]


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
    assert _table_rows(format_table(results))[1].split()[:4] == ["onnxruntime-cpu", "int8", "keep-fp", "6"]


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


# --------------------------------------------------------------------------------------------- CSV


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
        "speedup_vs_torch_eager",
    ]


# --------------------------------------------------------------------------------------------- markdown


def test_markdown_contains_the_table_rows_and_image_links(tmp_path):
    report = write_markdown(
        make_results(), tmp_path / "report.md", chart=tmp_path / "latency.png", grid=tmp_path / "grid.png"
    ).read_text(encoding="utf-8")
    assert "| backend | precision | batch | status |" in report
    assert (
        "| onnxruntime-cpu | fp32 | 1 | ok | 0.71 | 120.3 | 1.0000 | 2.0e-06 | 5.10 | 6.00 | 196 | 40.1 | 21.6 "
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


# --------------------------------------------------------------------------------------------- chart


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


# --------------------------------------------------------------------------------------------- image grid


@pytest.fixture()
def grid_arrays():
    rng = np.random.default_rng(0)
    inputs = rng.uniform(-1, 1, size=(8, 3, 32, 40)).astype(np.float32)
    reference = rng.uniform(-0.9, 0.9, size=(8, 3, 32, 40)).astype(np.float32)
    different = reference.copy()
    different[0] += 0.5  # only the first image differs: |error| x 10 saturates to white
    return inputs, reference, {"same": reference.copy(), "different": different}


def _tile(image: Image.Image, row: int, column: int, tile_h: int, tile_w: int) -> np.ndarray:
    left = GRID_LABEL_WIDTH + GRID_GAP + column * (tile_w + GRID_GAP)
    top = GRID_GAP + row * (tile_h + GRID_GAP)
    return np.asarray(image)[top : top + tile_h, left : left + tile_w]


def test_grid_has_the_expected_pixel_size(tmp_path, grid_arrays):
    inputs, reference, outputs = grid_arrays
    path = image_grid(inputs, reference, outputs, tmp_path / "grid.png")
    tile_h, tile_w = 32 * 4, 40 * 4  # 32 px < 128: upscaled by 4 so the short side reaches 128
    columns, rows = GRID_MAX_COLUMNS, 2 + 2 * len(outputs)  # 8 images -> first 6; input, reference, 2 per backend
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (
            GRID_LABEL_WIDTH + GRID_GAP + columns * (tile_w + GRID_GAP),
            GRID_GAP + rows * (tile_h + GRID_GAP),
        )


def test_grid_does_not_upscale_images_of_128_px_or_more(tmp_path):
    images = np.zeros((1, 3, 128, 130), dtype=np.float32)
    path = image_grid(images, images, {}, tmp_path / "grid.png")
    with Image.open(path) as image:
        assert image.size == (GRID_LABEL_WIDTH + GRID_GAP + 130 + GRID_GAP, GRID_GAP + 2 * (128 + GRID_GAP))


def test_grid_error_map_is_black_where_equal_and_bright_where_different(tmp_path, grid_arrays):
    inputs, reference, outputs = grid_arrays
    path = image_grid(inputs, reference, outputs, tmp_path / "grid.png")
    tile_h, tile_w = 128, 160
    same_error_row, different_error_row = 3, 5  # rows: input, reference, same, same error, different, ...
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        for column in range(GRID_MAX_COLUMNS):
            assert not _tile(rgb, same_error_row, column, tile_h, tile_w).any()
        assert (_tile(rgb, different_error_row, 0, tile_h, tile_w) == 255).all()
        assert not _tile(rgb, different_error_row, 1, tile_h, tile_w).any()


def test_grid_output_row_shows_the_backend_images(tmp_path, grid_arrays):
    inputs, reference, outputs = grid_arrays
    path = image_grid(inputs, reference, outputs, tmp_path / "grid.png")
    with Image.open(path) as image:
        tile = _tile(image.convert("RGB"), 2, 0, 128, 160)
    expected = np.round((reference[0].transpose(1, 2, 0) + 1) * 127.5).astype(np.uint8)
    np.testing.assert_array_equal(tile[::4, ::4], expected)


def test_grid_rejects_outputs_of_another_shape(tmp_path, grid_arrays):
    inputs, reference, _ = grid_arrays
    with pytest.raises(ValueError, match="does not match"):
        image_grid(inputs, reference, {"bad": reference[:, :, :16]}, tmp_path / "grid.png")
    assert not (tmp_path / "grid.png").exists()
