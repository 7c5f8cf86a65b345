"""The results of ``bench --isa`` (``benchmarks.class_records``): one cell per mode and class, whether the caps
govern its backend, the schema of classes.json and the exit code of the whole run."""

from __future__ import annotations

import json
from dataclasses import replace

from support.bench_results import latency, record
from support.class_results import BF16_REASON, two_classes

from ugatit_deploy.benchmarks.class_records import EXIT_GATE_FAILED, ClassesRecord, ModeCell


def test_a_cell_keeps_the_p50_speedup_and_status_of_its_record():
    cell = ModeCell.of(record("openvino-cpu", "fp32", 1, latency=latency(2.0, 3.0, 1), speedup_vs_torch_eager=3.6))
    assert (cell.label, cell.batch, cell.ms_per_image_p50, cell.speedup_vs_torch_eager) == (
        "openvino-cpu fp32", 1, 2.0, 3.6)  # fmt: skip
    assert cell.capped and cell.status == "ok" and cell.gate_passed is None


def test_cells_say_which_backends_the_caps_govern():
    capped = {name: ModeCell.of(record(name, "fp32", 1)).capped for name in ("torch-cpu", "openvino-cpu",
                                                                            "onnxruntime-cpu", "mnn-cpu")}  # fmt: skip
    assert capped == {"torch-cpu": True, "openvino-cpu": True, "onnxruntime-cpu": False, "mnn-cpu": False}
    assert not ModeCell.of(record("not-a-backend", "fp32", 1)).capped


def test_classes_json_records_per_class_the_cap_isa_and_each_mode():
    data = json.loads(json.dumps(two_classes().to_dict()))
    assert (data["schema"], data["schema_version"]) == ("ugatit-deploy/bench-classes", 1)
    capped = data["classes"][1]
    assert (capped["name"], capped["cap"], capped["isa"], capped["error"], capped["folder"]) == (
        "avx2", "AVX2", "AVX2 AVX512F (ONEDNN_MAX_CPU_ISA=AVX2)", "", "isa-avx2")  # fmt: skip
    bf16 = capped["modes"][1]
    assert (bf16["label"], bf16["status"], bf16["reason"], bf16["ms_per_image_p50"]) == (
        "openvino-cpu bf16", "unavailable", BF16_REASON, None)  # fmt: skip
    assert capped["modes"][0]["capped"] is True and capped["modes"][2]["capped"] is False


def test_the_exit_code_is_1_for_a_failed_class_then_3_for_a_failed_gate():
    native, capped = two_classes().classes
    assert ClassesRecord("", [native, capped]).exit_code() == 0
    gated = replace(capped, exit_code=EXIT_GATE_FAILED)
    assert not gated.failed and ClassesRecord("", [native, gated]).exit_code() == 3
    failed = replace(capped, exit_code=1, error="Error: boom", modes=[])
    assert failed.failed and ClassesRecord("", [gated, failed]).exit_code() == 1
