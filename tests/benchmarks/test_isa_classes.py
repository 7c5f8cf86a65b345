"""``bench --isa``: parsing the CPU classes, each class's caps and child arguments, and combining the children's
results.json files into classes.json / classes.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.bench_results import latency, make_results, record

from ugatit_deploy.benchmarks.isa_classes import (
    ClassesRecord,
    IsaClass,
    IsaClassError,
    child_arguments,
    class_result,
    format_classes,
    missing_flags,
    parse_isa_classes,
    write_classes,
)

# AMD EPYC (Zen 4): AVX-512 with VNNI and BF16, no AVX-VNNI, no AMX
ZEN4 = frozenset("sse4_1 avx avx2 fma avx512f avx512dq avx512bw avx512vl avx512_vnni avx512_bf16".split())
BF16_REASON = "ONEDNN_MAX_CPU_ISA=AVX2 caps oneDNN below AVX512_CORE_BF16: no BF16 kernels in this class"
NATIVE, AVX2 = IsaClass("native", None), IsaClass("avx2", "AVX2")


def test_parse_keeps_the_order_and_maps_native_to_no_cap():
    assert parse_isa_classes("native,avx2", ZEN4) == (NATIVE, AVX2)


def test_parse_ignores_case_and_spaces():
    assert parse_isa_classes(" NATIVE , Avx512_Core_VNNI", ZEN4) == (NATIVE, IsaClass("avx512_core_vnni",
                                                                                     "AVX512_CORE_VNNI"))  # fmt: skip


def test_parse_drops_duplicates():
    assert parse_isa_classes("avx2,native,AVX2,native", ZEN4) == (AVX2, NATIVE)


def test_parse_refuses_an_unknown_name_in_one_line():
    with pytest.raises(IsaClassError) as error:
        parse_isa_classes("native,avx3", ZEN4)
    message = str(error.value)
    assert message.startswith("unknown CPU class 'avx3': use native or a oneDNN ISA level: sse41, avx, avx2, ")
    assert "\n" not in message and message.endswith("avx512_core_amx_fp16")


def test_parse_refuses_a_class_above_this_cpu_and_names_those_it_can_stand_in_for():
    with pytest.raises(IsaClassError) as error:
        parse_isa_classes("avx512_core_amx", ZEN4)
    assert str(error.value) == (
        "avx512_core_amx: this CPU lacks amx_tile, amx_int8, amx_bf16, so the cap would measure a lower class under "
        "that name; this CPU can stand in for native, sse41, avx, avx2, avx512_core, avx512_core_vnni, "
        "avx512_core_bf16"
    )


def test_a_level_beside_avx512_that_this_cpu_lacks_is_refused():
    """AVX2_VNNI sits below AVX512_CORE in oneDNN's order, but Zen 4 has no AVX-VNNI: oneDNN would run AVX2."""
    with pytest.raises(IsaClassError, match="^avx2_vnni: this CPU lacks avx_vnni, "):
        parse_isa_classes("avx2_vnni", ZEN4)


def test_the_older_vnni_flag_spelling_counts():
    old_kernel = ZEN4 - {"avx512_vnni"} | {"avx512vnni"}
    assert missing_flags("AVX512_CORE_BF16", old_kernel) == []


def test_unknown_flags_refuse_nothing():
    assert parse_isa_classes("avx512_core_amx", frozenset()) == (IsaClass("avx512_core_amx", "AVX512_CORE_AMX"),)


def test_an_empty_list_is_refused():
    with pytest.raises(IsaClassError, match="^no CPU class given"):
        parse_isa_classes(" , ", ZEN4)


@pytest.mark.parametrize(
    ("isa_class", "caps"),
    [
        (NATIVE, {}),
        (AVX2, {"ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"}),
        (IsaClass("sse41", "SSE41"),
         {"ONEDNN_MAX_CPU_ISA": "SSE41", "ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2"}),
        (IsaClass("avx512_core", "AVX512_CORE"),
         {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE", "MKL_ENABLE_INSTRUCTIONS": "AVX512"}),
        (IsaClass("avx512_core_amx", "AVX512_CORE_AMX"), {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_AMX"}),
    ],
)  # fmt: skip
def test_each_class_sets_its_caps(isa_class, caps):
    assert isa_class.caps() == caps


def test_the_child_environment_drops_inherited_caps_and_keeps_the_rest():
    base = {"PATH": "/bin", "DNNL_MAX_CPU_ISA": "AVX", "ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "AVX"}
    assert NATIVE.environment(base) == {"PATH": "/bin", "PYTHONUNBUFFERED": "1"}
    assert IsaClass("avx512_core", "AVX512_CORE").environment(base) == {
        "PATH": "/bin", "ONEDNN_MAX_CPU_ISA": "AVX512_CORE", "MKL_ENABLE_INSTRUCTIONS": "AVX512",
        "PYTHONUNBUFFERED": "1",
    }  # fmt: skip


def test_child_arguments_drop_isa_and_out_in_both_spellings():
    args = ["--ckpt", "m.pt", "--isa", "native,avx2", "--out", "o", "--batch", "1", "--isa=avx2", "--out=p"]
    assert child_arguments(args, Path("o/isa-avx2")) == ["--ckpt", "m.pt", "--batch", "1", "--out", "o/isa-avx2"]


def _write_class(out: Path, isa_class: IsaClass, records: list, isa: str) -> None:
    results = make_results()
    results.machine["isa"] = isa
    results.records = records
    folder = out / isa_class.folder
    folder.mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps(results.to_dict()))


def _two_classes(out: Path) -> ClassesRecord:
    """native: eager 7.2 ms, OpenVINO BF16 2.0 ms, ORT 4.0 ms; avx2: eager 14.4 ms, BF16 unavailable, ORT 4.1 ms."""

    def measured(backend: str, form: str, ms: float, eager_ms: float, compute: str = ""):
        return record(backend, form, 1, compute=compute, latency=latency(ms, ms, 1),
                      speedup_vs_torch_eager=eager_ms / ms)  # fmt: skip

    native = [measured("torch-cpu", "fp32", 7.2, 7.2), measured("openvino-cpu", "fp32", 2.0, 7.2, "bf16"),
              measured("onnxruntime-cpu", "fp32", 4.0, 7.2)]  # fmt: skip
    capped = [measured("torch-cpu", "fp32", 14.4, 14.4),
              record("openvino-cpu", "fp32", 1, "unavailable", BF16_REASON, compute="bf16"),
              measured("onnxruntime-cpu", "fp32", 4.1, 14.4)]  # fmt: skip
    _write_class(out, NATIVE, native, "AVX2 AVX512F")
    _write_class(out, AVX2, capped, "AVX2 AVX512F (ONEDNN_MAX_CPU_ISA=AVX2)")
    return ClassesRecord("ugatit-deploy bench --isa native,avx2", [class_result(NATIVE, 0, out),
                                                                    class_result(AVX2, 0, out)])  # fmt: skip


def test_classes_table_has_a_row_per_mode_and_a_column_per_class(tmp_path):
    table = format_classes(_two_classes(tmp_path)).splitlines()
    start = table.index("| mode | native | avx2 |")
    assert table[start + 2 : start + 5] == [
        "| torch-cpu fp32 | 7.20 ms, 1.00x | 14.4 ms, 1.00x |",
        f"| openvino-cpu bf16 | 2.00 ms, 3.60x | unavailable: {BF16_REASON} |",
        "| onnxruntime-cpu fp32 | 4.00 ms, 1.80x | 4.10 ms, 3.51x, not capped |",
    ]


def test_classes_table_lists_each_class_with_its_caps_and_recorded_isa(tmp_path):
    table = format_classes(_two_classes(tmp_path)).splitlines()
    assert "| native | none | AVX2 AVX512F | isa-native/report.md |" in table
    assert ("| avx2 | ONEDNN_MAX_CPU_ISA=AVX2, ATEN_CPU_CAPABILITY=avx2, MKL_ENABLE_INSTRUCTIONS=AVX2 | "
            "AVX2 AVX512F (ONEDNN_MAX_CPU_ISA=AVX2) | isa-avx2/report.md |") in table  # fmt: skip


def test_classes_json_records_per_class_the_cap_isa_and_each_mode(tmp_path):
    json_path, md_path = write_classes(_two_classes(tmp_path), tmp_path)
    data = json.loads(json_path.read_text())
    assert data["schema"] == "ugatit-deploy/bench-classes" and md_path.read_text().startswith("# Bench per CPU class")
    capped = data["classes"][1]
    assert (capped["name"], capped["cap"], capped["isa"], capped["error"]) == (
        "avx2", "AVX2", "AVX2 AVX512F (ONEDNN_MAX_CPU_ISA=AVX2)", "")  # fmt: skip
    bf16 = capped["modes"][1]
    assert (bf16["label"], bf16["status"], bf16["reason"], bf16["ms_per_image_p50"]) == (
        "openvino-cpu bf16", "unavailable", BF16_REASON, None)  # fmt: skip
    assert capped["modes"][0]["capped"] is True and capped["modes"][2]["capped"] is False


def test_a_failed_class_says_why_and_the_others_still_count(tmp_path):
    record_ = _two_classes(tmp_path)
    failed = class_result(IsaClass("avx", "AVX"), 1, tmp_path, "Error: --images x: not a folder")
    combined = ClassesRecord(record_.command, [*record_.classes, failed])
    table = format_classes(combined)
    assert ("| avx | ONEDNN_MAX_CPU_ISA=AVX, ATEN_CPU_CAPABILITY=default, MKL_ENABLE_INSTRUCTIONS=AVX | - | "
            "failed (exit 1): Error: --images x: not a folder |") in table  # fmt: skip
    assert "| torch-cpu fp32 | 7.20 ms, 1.00x | 14.4 ms, 1.00x | class failed |" in table
    assert combined.exit_code() == 1


def test_a_child_that_exits_0_without_results_is_a_failed_class(tmp_path):
    result = class_result(AVX2, 0, tmp_path)
    assert result.failed and result.error.startswith(f"no results in {tmp_path / 'isa-avx2' / 'results.json'}: ")


def test_a_gate_failure_in_a_class_keeps_its_results_and_exits_3(tmp_path):
    _two_classes(tmp_path)
    gated = class_result(AVX2, 3, tmp_path)
    assert not gated.failed and len(gated.modes) == 3
    assert ClassesRecord("", [class_result(NATIVE, 0, tmp_path), gated]).exit_code() == 3


def test_records_whose_label_repeats_keep_their_rows_and_identical_rows_show_once(tmp_path):
    """A failed INT8 export leaves one record per OpenVINO mode, all labelled ``openvino-cpu int8``."""
    fast = record("openvino-cpu", "int8", 1, latency=latency(3.0, 3.0, 1), speedup_vs_torch_eager=2.4)
    failed = record("openvino-cpu", "int8", 1, "failed", "export: int8 failed validation")
    _write_class(tmp_path, NATIVE, [fast, failed, failed], "AVX2")
    _write_class(tmp_path, AVX2, [fast, failed, failed], "AVX2 (ONEDNN_MAX_CPU_ISA=AVX2)")
    record_ = ClassesRecord("", [class_result(NATIVE, 0, tmp_path), class_result(AVX2, 0, tmp_path)])
    assert format_classes(record_).splitlines()[-4:-2] == [
        "| openvino-cpu int8 | 3.00 ms, 2.40x | 3.00 ms, 2.40x |",
        "| openvino-cpu int8 | failed: export: int8 failed validation | failed: export: int8 failed validation |",
    ]
