"""classes.md of ``bench --isa`` (``benchmarks.report.classes``): the classes with their caps and recorded ISA,
then modes x classes, each cell against its own class's torch eager."""

from __future__ import annotations

from dataclasses import replace

from support.bench_results import latency, record
from support.class_results import BF16_REASON, class_result, two_classes

from ugatit_deploy.benchmarks.class_records import ClassesRecord, ClassResult, ModeCell
from ugatit_deploy.benchmarks.records import FAILED_PARITY
from ugatit_deploy.benchmarks.report.classes import cell_text, format_classes


def test_classes_table_has_a_row_per_mode_and_a_column_per_class():
    table = format_classes(two_classes()).splitlines()
    start = table.index("| mode | native | avx2 |")
    assert table[start + 2 : start + 5] == [
        "| torch-cpu fp32 | 7.20 ms, 1.00x | 14.4 ms, 1.00x |",
        f"| openvino-cpu bf16 | 2.00 ms, 3.60x | unavailable: {BF16_REASON} |",
        "| onnxruntime-cpu fp32 | 4.00 ms, 1.80x | 4.10 ms, 3.51x, not capped |",
    ]


def test_classes_table_lists_each_class_with_its_caps_and_recorded_isa():
    table = format_classes(two_classes()).splitlines()
    assert table[0] == "# Bench per CPU class" and "`ugatit-deploy bench --isa native,avx2`" in table
    assert "| native | none | AVX2 AVX512F | isa-native/report.md |" in table
    assert ("| avx2 | ONEDNN_MAX_CPU_ISA=AVX2, ATEN_CPU_CAPABILITY=avx2, MKL_ENABLE_INSTRUCTIONS=AVX2 | "
            "AVX2 AVX512F (ONEDNN_MAX_CPU_ISA=AVX2) | isa-avx2/report.md |") in table  # fmt: skip
    assert table[-1].startswith("onnxruntime-cpu: own kernels that ignore the caps")


def test_a_failed_class_says_why_and_its_cells_say_so():
    record_ = two_classes()
    failed = ClassResult("avx", "AVX", {"ONEDNN_MAX_CPU_ISA": "AVX"}, "isa-avx", 1,
                         error="Error: --images x: not a folder")  # fmt: skip
    table = format_classes(ClassesRecord(record_.command, [*record_.classes, failed]))
    assert "| avx | ONEDNN_MAX_CPU_ISA=AVX | - | failed (exit 1): Error: --images x: not a folder |" in table
    assert "| torch-cpu fp32 | 7.20 ms, 1.00x | 14.4 ms, 1.00x | class failed |" in table


def test_a_class_whose_gate_failed_says_so_beside_its_report():
    gated = replace(two_classes().classes[1], exit_code=3)
    assert "| isa-avx2/report.md (a gate failed) |" in format_classes(ClassesRecord("", [gated]))


def test_a_mode_missing_from_a_class_and_a_failed_parity_are_marked():
    native = class_result("native", None, [record("torch-cpu", "fp32", 1, FAILED_PARITY,
                                                  latency=latency(0.5, 0.5, 1))], "AVX2")  # fmt: skip
    assert cell_text(native.modes[0], native) == "0.500 ms, failed parity"
    assert cell_text(None, native) == "not in this class's run"


def test_records_whose_label_repeats_keep_their_rows_and_identical_rows_show_once():
    """A failed INT8 export leaves one record per OpenVINO mode, all labelled ``openvino-cpu int8``."""
    fast = record("openvino-cpu", "int8", 1, latency=latency(3.0, 3.0, 1), speedup_vs_torch_eager=2.4)
    failed = record("openvino-cpu", "int8", 1, "failed", "export: int8 failed validation")
    classes = [class_result("native", None, [fast, failed, failed], "AVX2"),
               class_result("avx2", "AVX2", [fast, failed, failed], "AVX2 (ONEDNN_MAX_CPU_ISA=AVX2)")]  # fmt: skip
    assert format_classes(ClassesRecord("", classes)).splitlines()[-4:-2] == [
        "| openvino-cpu int8 | 3.00 ms, 2.40x | 3.00 ms, 2.40x |",
        "| openvino-cpu int8 | failed: export: int8 failed validation | failed: export: int8 failed validation |",
    ]


def test_several_batches_name_the_batch_in_each_row():
    eager = [record("torch-cpu", "fp32", batch, latency=latency(5.0, 5.0, batch)) for batch in (1, 8)]
    table = format_classes(ClassesRecord("", [class_result("native", None, eager, "AVX2")]))
    assert "| torch-cpu fp32, batch 1 | 5.00 ms |" in table and "| torch-cpu fp32, batch 8 | 5.00 ms |" in table


def test_a_pipe_in_a_reason_does_not_split_the_cell():
    cell = ModeCell("x", 1, "torch-cpu", True, "failed", "a | b", None, None, None)
    result = class_result("native", None, [], "AVX2")
    assert cell_text(cell, result) == "failed: a | b"
    assert "failed: a \\| b" in format_classes(ClassesRecord("", [replace(result, modes=[cell])]))
