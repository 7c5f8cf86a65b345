"""The C++ against Python end-to-end study: fresh processes timed interleaved, the record's shape."""

from __future__ import annotations

import json
import sys
from types import SimpleNamespace

import pytest
from support.paths import RESULTS
from support.studies import load_study

study = load_study("cpp_end_to_end")


def test_a_failing_process_stops_the_study_with_its_last_error_line():
    with pytest.raises(SystemExit, match="failed: second line"):
        study.run_checked([sys.executable, "-c", "import sys; sys.exit('first line\\nsecond line')"])


def test_the_image_folder_holds_the_photos_then_demo_images(tmp_path):
    study.write_images(tmp_path, 6, 32)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 6 and any(n.startswith("demo_") for n in names)


def test_the_commands_run_both_runners_on_one_folder(tmp_path):
    lines = study.commands(tmp_path / "build", tmp_path / "m.onnx", tmp_path / "images", tmp_path)
    assert list(lines) == [study.CPP, study.PYTHON]
    assert lines[study.CPP][0] == str(tmp_path / "build" / "ugatit-infer")
    assert lines[study.PYTHON][1:2] == ["infer"] and "openvino" in lines[study.PYTHON]


def test_a_run_with_stand_in_processes_writes_the_committed_record_shape(tmp_path, monkeypatch, capsys):
    quick = [sys.executable, "-c", "pass"]
    monkeypatch.setattr(study, "commands", lambda *_: {study.CPP: quick, study.PYTHON: quick})
    monkeypatch.setattr(study, "read_sidecar", lambda _: SimpleNamespace(model=SimpleNamespace(img_size=32)))
    out = tmp_path / "e2e.json"
    study.main(["--build", "b", "--model", "m.onnx", "--images", "2", "--rounds", "2", "--out", str(out)])
    record = json.loads(out.read_text())
    committed = json.loads((RESULTS / "cpp_end_to_end_demo.json").read_text())
    assert set(record) == set(committed)
    assert [set(row) for row in record["rows"]] == [set(row) for row in committed["rows"]]
    assert [row["runner"] for row in record["rows"]] == [study.CPP, study.PYTHON]
    assert record["rows"][0]["vs_cpp"] == 1.0 and record["rows"][0]["seconds_min"] <= record["rows"][0]["seconds_p50"]
    assert record["command"].startswith("python benchmarks/studies/cpp_end_to_end.py --build b")
    assert (record["img_size"], record["images"], record["rounds"]) == (32, 2, 2) and "isa" in record["machine"]
    assert "ms/image" in capsys.readouterr().out
