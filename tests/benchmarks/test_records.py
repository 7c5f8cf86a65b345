"""The typed bench results: schema version 2 reads and writes back byte for byte, a version 1 file reads and is
written as version 2, each record's precision and variant follow from its graph form and compute hints."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest
from support.paths import RESULTS as RESULTS_DIR
from support.paths import TESTS

from ugatit_deploy.benchmarks.records import (
    SCHEMA_VERSION,
    BenchRecord,
    BenchResults,
    Floor,
    FloorSummary,
    Parity,
    SchemaError,
    SetQuality,
    split_label,
)
from ugatit_deploy.benchmarks.report import format_table

GOLDEN = TESTS / "data" / "bench"
V1_TEXT = (GOLDEN / "results_v1.json").read_text(encoding="utf-8")
V2_TEXT = (GOLDEN / "results_v2.json").read_text(encoding="utf-8")


def _text(results: BenchResults) -> str:
    """results.json as ``suite.write_json`` writes it."""
    return json.dumps(results.to_dict(), indent=2, allow_nan=True) + "\n"


def test_this_version_writes_schema_version_2():
    assert SCHEMA_VERSION == 2 and json.loads(V2_TEXT)["schema_version"] == 2


def test_a_version_2_file_reads_and_writes_back_byte_for_byte():
    assert _text(BenchResults.from_dict(json.loads(V2_TEXT))) == V2_TEXT


def test_a_version_1_file_is_written_as_version_2():
    assert _text(BenchResults.from_dict(json.loads(V1_TEXT))) == V2_TEXT


def test_version_1_records_get_their_form_and_compute_from_their_labels():
    records = BenchResults.from_dict(json.loads(V1_TEXT)).records
    assert [(r.backend, r.form, r.compute, r.precision, r.variant) for r in records] == [
        ("torch-cpu", "fp32", "", "fp32", ""),
        ("torch-cuda", "fp32", "fp16", "fp16", ""),
        ("tensorrt", "-", "", "-", ""),
        ("openvino-cpu", "fp32", "bf16", "bf16", ""),
        ("openvino-cpu", "int8-cpu", "bf16", "int8-cpu", "+bf16"),
        ("openvino-cpu", "fp32", "throughput", "fp32", ""),
        ("openvino-cpu", "int8-cpu", "bf16+throughput", "int8-cpu", "+bf16"),
        ("ncnn-cpu", "fp32", "", "fp32", ""),
        ("onnxruntime-cpu", "int8-cpu", "", "int8-cpu", "keep-fp 9"),
    ]


def test_keys_a_version_1_file_did_not_write_read_as_none():
    results = BenchResults.from_dict(json.loads(V1_TEXT))
    first = results.records[0]
    assert results.inputs.sets is None and results.settings.rounds is None and results.floor.peak_kernels is None
    assert first.parity is not None and first.parity.ssim is None and first.parity.by_set is None


def test_every_committed_result_still_reads():
    paths = sorted(RESULTS_DIR.glob("bench_*.json"))
    assert len(paths) >= 4
    for path in paths:
        results = BenchResults.from_dict(json.loads(path.read_text(encoding="utf-8")))
        table = format_table(results)  # the renderers read what was read: a row, or a line under "not run here"
        rows, _, not_run = table.partition("\nnot run here:\n")
        assert all(f"{r.backend}  " in rows for r in results.records if r.status != "unavailable"), path.name
        assert all(r.backend in not_run for r in results.records if r.status == "unavailable"), path.name


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        (("fp32", "", False, {"threads": 2}), ("fp32", "", "")),
        (("bf16", "", False, {"inference_precision": "bf16"}), ("fp32", "bf16", "")),
        (("fp16", "", False, {}), ("fp16", "", "")),  # an fp16 file
        (("fp16", "", True, {"precision": "fp16"}), ("fp32", "fp16", "")),  # torch's fp16 autocast
        (("int8-cpu", "keep-fp 3 +bf16", False, {}), ("int8-cpu", "bf16", "keep-fp 3")),
        (("bf16", "", False, {"throughput_hint": True}), ("fp32", "bf16+throughput", "")),
        (("fp32", "", False, {"throughput_hint": False}), ("fp32", "", "")),
        (("-", "", False, {}), ("-", "", "")),
        (("?", "", True, {}), ("?", "", "")),
    ],
)
def test_a_version_1_label_splits_into_form_compute_and_own_variant(label, expected):
    assert split_label(*label) == expected


@pytest.mark.parametrize(
    ("form", "compute", "variant", "expected"),
    [
        ("fp32", "", "", ("fp32", "")),
        ("fp32", "bf16", "", ("bf16", "")),
        ("fp32", "bf16+throughput", "", ("bf16", "")),
        ("fp32", "throughput", "", ("fp32", "")),
        ("int8-cpu", "bf16", "keep-fp 3", ("int8-cpu", "keep-fp 3 +bf16")),
        ("int8-cpu", "bf16", "keep-fp 3 +bf16", ("int8-cpu", "keep-fp 3 +bf16")),  # the suffix is not added twice
        ("int8-cpu", "", "keep-fp 3 +bf16", ("int8-cpu", "keep-fp 3")),  # nor kept without its hint
        ("-", "", "", ("-", "")),
    ],
)
def test_a_record_derives_its_precision_and_variant_from_form_and_compute(form, compute, variant, expected):
    record = BenchRecord(backend="openvino-cpu", form=form, compute=compute, variant=variant, batch=1, label="x",
                         status="ok")  # fmt: skip
    assert (record.precision, record.variant) == expected


def test_a_changed_copy_derives_its_precision_and_variant_again():
    record = BenchRecord(backend="openvino-cpu", form="int8-cpu", compute="bf16", variant="keep-fp 3", batch=1,
                         label="x", status="ok")  # fmt: skip
    assert (replace(record, batch=8).precision, replace(record, batch=8).variant) == ("int8-cpu", "keep-fp 3 +bf16")
    assert replace(record, form="fp32", variant="").precision == "bf16"


def test_precision_is_no_argument_of_a_record():
    with pytest.raises(TypeError, match="precision"):
        BenchRecord(backend="torch-cpu", precision="fp32", batch=1, label="x", status="ok")  # type: ignore[call-arg]


@pytest.mark.parametrize("compute", ["bf17", "throughput+bf16", "bf16+bf16", "+bf16"])
def test_compute_is_hint_names_in_registry_order(compute):
    with pytest.raises(ValueError, match="hint names of bf16, fp16, throughput, in that order"):
        BenchRecord(backend="openvino-cpu", form="fp32", compute=compute, batch=1, label="x", status="ok")


def test_a_record_without_measurements_writes_null_parts():
    record = BenchRecord(backend="tensorrt", form="-", batch=1, label="tensorrt -", status="unavailable",
                         reason="TensorRT is not installed")  # fmt: skip
    data = record.to_dict()
    assert list(data) == ["backend", "form", "compute", "precision", "variant", "options", "batch", "label",
                          "artifact", "size_mb", "status", "reason", "parity", "gate", "latency", "memory", "floor",
                          "speedup_vs_torch_eager"]  # fmt: skip
    assert data["variant"] == "" and data["parity"] is None and data["speedup_vs_torch_eager"] is None
    assert BenchRecord.from_dict(data) == record


def _v2_with(change) -> dict:
    data = json.loads(V2_TEXT)
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(schema="other"), "not a bench results file: schema 'other'"),
        (lambda d: d.update(schema_version=3), "version 3: this ugatit-deploy reads versions 1-2"),
        (lambda d: d.update(schema_version=True), "version True: this ugatit-deploy reads versions 1-2"),
        (lambda d: d["records"][0].pop("form"), r"records\[0\]\.form: missing"),
        (lambda d: d["inputs"].pop("sets"), r"inputs\.sets: missing"),
        (lambda d: d["records"][1].update(precision="fp16x"), r"records\[1\]\.precision: 'fp16x', but"),
        (lambda d: d["records"][2].update(compute="int8"), "compute 'int8': hint names"),
        (lambda d: d["settings"].update(tempo=1), r"settings\.tempo: unknown key"),
        (lambda d: d["records"][0].update(batch="1"), r"records\[0\]\.batch: expected int, got string"),
    ],
)
def test_what_this_version_cannot_read_is_refused_in_one_line(change, message):
    with pytest.raises(SchemaError, match=message) as refused:
        BenchResults.from_dict(_v2_with(change))
    assert "\n" not in str(refused.value)


def test_parity_keys_a_newer_bench_adds_are_kept():
    data = {"max_abs": 0.1, "mean_abs": 0.01, "p99_abs": 0.05, "psnr_db": math.inf, "ssim": 1.0,
            "changed_uint8_pct": 0.0, "nonfinite": 0, "heatmap_rel_max": 1e-4, "psnr_per_image": [40.0],
            "by_set": {"photos": {"psnr_db": 40.0, "ssim": 0.99, "max_abs": 0.1}}}  # fmt: skip
    parity = Parity.from_dict(data)
    assert parity.extra == {"heatmap_rel_max": 1e-4}
    assert parity.by_set == {"photos": SetQuality(40.0, 0.99, 0.1)}
    assert parity.to_dict() == data
    assert parity.scalars()["heatmap_rel_max"] == 1e-4 and "by_set" not in parity.scalars()


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


def test_the_kernel_of_each_peak_is_kept():
    kernels = {"cpu-fp32": "OpenVINO 2026.4.1 MatMul 2048^3 f32 (brgemm_avx512_f32), 2 threads"}
    summary = FloorSummary(1_200_000_000, {"cpu-fp32": 228.0}, kernels)
    assert summary.to_dict()["peak_kernels"] == kernels and FloorSummary.from_dict(summary.to_dict()) == summary


def test_gate_failures_name_the_gated_records_that_failed():
    results = BenchResults.from_dict(json.loads(V2_TEXT))
    results.gated_precisions = ["int8-cpu", "fp16"]
    results.records[4].status = "failed-parity"  # openvino-cpu int8-cpu +bf16
    results.records[1].status = "failed"  # torch-cuda fp16 autocast
    assert results.gate_failures() == ["torch-cuda fp16 (channels_last+cuda_graphs) batch 1",
                                       "openvino-cpu int8-cpu +bf16 (latency_hint) batch 1"]  # fmt: skip
