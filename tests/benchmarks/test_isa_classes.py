"""``bench --isa`` (``benchmarks.isa_classes``): parsing the CPU classes, each class's child process (its caps,
its settings file) and reading the children's results.json files back. The CPU's flags are always given."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from support.bench_results import make_results
from support.class_results import avx2_records, native_records, two_classes

from ugatit_deploy.benchmarks import isa_classes
from ugatit_deploy.benchmarks.isa_classes import (
    CHILD_COMMAND,
    IsaClass,
    IsaClassError,
    child_command,
    child_settings,
    class_result,
    parse_isa_classes,
    run_class,
    write_classes,
)
from ugatit_deploy.benchmarks.settings import BenchSettings, read_settings
from ugatit_deploy.cli import main

# AMD EPYC (Zen 4): AVX-512 with VNNI and BF16, no AVX-VNNI, no AMX
ZEN4 = frozenset("sse4_1 avx avx2 fma avx512f avx512dq avx512bw avx512vl avx512_vnni avx512_bf16".split())
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
    with pytest.raises(IsaClassError, match="^avx2_vnni: this CPU lacks avx_vnni, "):
        parse_isa_classes("avx2_vnni", ZEN4)


def test_parse_reads_this_cpus_flags_when_none_are_given(monkeypatch):
    monkeypatch.setattr(isa_classes, "read_cpu_flags", lambda: frozenset({"sse4_1", "avx", "avx2"}))
    assert parse_isa_classes("native,avx2") == (NATIVE, AVX2)
    with pytest.raises(IsaClassError, match="^avx512_core: this CPU lacks avx512f, "):
        parse_isa_classes("avx512_core")


def test_unknown_flags_refuse_nothing():
    assert parse_isa_classes("avx512_core_amx", frozenset()) == (IsaClass("avx512_core_amx", "AVX512_CORE_AMX"),)


def test_an_empty_list_is_refused():
    with pytest.raises(IsaClassError, match="^no CPU class given"):
        parse_isa_classes(" , ", ZEN4)


def test_a_class_sets_its_caps_and_the_child_environment_drops_inherited_ones():
    base = {"PATH": "/bin", "DNNL_MAX_CPU_ISA": "AVX", "ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "AVX"}
    assert NATIVE.caps() == {} and NATIVE.environment(base) == {"PATH": "/bin", "PYTHONUNBUFFERED": "1"}
    assert IsaClass("avx512_core", "AVX512_CORE").environment(base) == {
        "PATH": "/bin", "ONEDNN_MAX_CPU_ISA": "AVX512_CORE", "MKL_ENABLE_INSTRUCTIONS": "AVX512",
        "PYTHONUNBUFFERED": "1",
    }  # fmt: skip
    assert (str(AVX2), AVX2.folder) == ("avx2", "isa-avx2")


def test_the_child_runs_the_same_bench_in_its_class_folder():
    settings = BenchSettings(Path("m.pt"), batches=(1, 8), out=Path("o"), command="ugatit-deploy bench --batch 1,8")
    child = child_settings(AVX2, settings)
    assert child.out == Path("o/isa-avx2") and child.batches == (1, 8)
    assert child.command == "ugatit-deploy bench --batch 1,8 --out o/isa-avx2"
    spaced = child_settings(AVX2, BenchSettings(Path("m.pt"), out=Path("my out"), command="ugatit-deploy bench"))
    assert spaced.command == "ugatit-deploy bench --out 'my out/isa-avx2'"


def test_the_child_is_the_hidden_bench_child_command():
    assert child_command(Path("s.json")) == [sys.executable, "-m", "ugatit_deploy", "bench-child", "s.json"]
    assert main.commands[CHILD_COMMAND].hidden


# A stand-in for ``python -m ugatit_deploy bench-child SETTINGS``: shows what it was given, then copies the
# results.json named by FAKE_RESULTS into its folder, or fails with a last line.
FAKE_CHILD = """
import json, os, shutil, sys
settings = json.load(open(sys.argv[1]))
print("caps", os.environ.get("ONEDNN_MAX_CPU_ISA"), os.environ.get("ATEN_CPU_CAPABILITY"))
print("out", settings["out"])
if os.environ.get("FAKE_RESULTS"):
    shutil.copy(os.environ["FAKE_RESULTS"], os.path.join(settings["out"], "results.json"))
    sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
print("Error: no bench here")
sys.exit(1)
"""


@pytest.fixture
def fake_child(monkeypatch):
    monkeypatch.setattr(isa_classes, "child_command", lambda path: [sys.executable, "-c", FAKE_CHILD, str(path)])
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX")  # inherited: a class must replace or drop it
    monkeypatch.delenv("FAKE_RESULTS", raising=False)


def _results_file(folder: Path, records: list, isa: str) -> Path:
    results = make_results()
    results.machine["isa"] = isa
    results.records = records
    path = folder / "results.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results.to_dict()))
    return path


def test_a_class_runs_its_child_under_its_caps_with_its_settings_file(tmp_path, fake_child, monkeypatch):
    monkeypatch.setenv("FAKE_RESULTS", str(_results_file(tmp_path / "made", avx2_records(), "AVX2 (capped)")))
    settings = BenchSettings(Path("m.pt"), out=tmp_path / "out", command="ugatit-deploy bench")
    lines: list[str] = []
    result = run_class(AVX2, settings, lines.append)
    assert not result.failed and result.isa == "AVX2 (capped)" and result.modes == two_classes().classes[1].modes
    assert lines[0].startswith("[avx2] ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2: ")
    assert lines[1:3] == ["[avx2] caps AVX2 avx2", f"[avx2] out {tmp_path / 'out' / 'isa-avx2'}"]
    assert read_settings(tmp_path / "out" / "isa-avx2" / "settings.json") == child_settings(AVX2, settings)


def test_a_failed_child_is_a_failed_class_that_says_why(tmp_path, fake_child):
    folder = tmp_path / "isa-native"
    _results_file(folder, native_records(), "stale")  # an older run's results must not stand in
    lines: list[str] = []
    result = run_class(NATIVE, BenchSettings(Path("m.pt"), out=tmp_path), lines.append)
    assert "[native] caps None None" in lines  # native: the inherited cap is dropped
    assert result.failed and result.exit_code == 1 and result.error == "Error: no bench here"
    assert not (folder / "results.json").exists()


def test_a_gate_failure_in_a_class_keeps_its_results_and_exits_3(tmp_path, fake_child, monkeypatch):
    monkeypatch.setenv("FAKE_RESULTS", str(_results_file(tmp_path / "made", native_records(), "AVX2")))
    monkeypatch.setenv("FAKE_EXIT", "3")
    gated = run_class(NATIVE, BenchSettings(Path("m.pt"), out=tmp_path / "out"), lambda _: None)
    assert not gated.failed and gated.exit_code == 3 and len(gated.modes) == 3


def test_a_child_that_exits_0_without_results_is_a_failed_class(tmp_path):
    result = class_result(AVX2, 0, tmp_path)
    assert result.failed and result.error.startswith(f"no results in {tmp_path / 'isa-avx2' / 'results.json'}: ")
    assert class_result(AVX2, -9, tmp_path).error == "exit code -9"


def test_classes_are_written_as_json_and_markdown(tmp_path):
    json_path, md_path = write_classes(two_classes(), tmp_path)
    assert json.loads(json_path.read_text()) == json.loads(json.dumps(two_classes().to_dict()))
    assert md_path.read_text().startswith("# Bench per CPU class")
