"""Modes measured dominated on this CPU class are skipped by the next bench, with the figures named."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.bench_results import latency, parity, record

from ugatit_deploy.benchmarks import dominated
from ugatit_deploy.benchmarks.plan import Case

ONNX = Path("m_fp32.onnx")


def _case(form: str, compute: str = "", backend: str = "openvino-cpu") -> Case:
    return Case(backend, "cpu", ONNX, form, compute=compute)


def _measured(form: str, ms: float, psnr: float, compute: str = "", backend: str = "openvino-cpu"):
    return record(backend, form, 1, compute=compute, latency=latency(ms, ms, 1), parity=parity(0.01, psnr))


@pytest.fixture
def history(tmp_path, monkeypatch):
    monkeypatch.setenv("UGATIT_DEPLOY_CACHE", str(tmp_path))
    key = dominated.history_key("ab" * 32, 256, 2)
    dominated.remember([_measured("fp32", 20.0, 200.0), _measured("fp32-winograd", 8.0, 200.0),
                        _measured("int8-cpu", 7.9, 41.0), _measured("fp32", 5.0, 300.0, backend="onnxruntime-cpu")],
                       key, "2026-12-06")  # fmt: skip
    return dominated.load(key)


def test_a_slower_and_no_more_accurate_mode_of_the_same_backend_is_skipped_with_its_figures(history):
    cases = [_case("fp32"), _case("fp32-winograd"), _case("int8-cpu"), _case("fp32", backend="onnxruntime-cpu")]
    kept, skipped = dominated.skip_dominated(cases, history)
    assert kept == cases[1:]  # ORT's faster fp32 dominates nothing of OpenVINO's: another backend
    assert skipped == ["openvino-cpu fp32: dominated on this CPU class (20.00 ms, 200.0 dB on 2026-12-06; "
                       "openvino-cpu fp32-winograd: 8.00 ms, 200.0 dB)"]  # fmt: skip


def test_a_faster_but_less_accurate_mode_dominates_nothing(history):
    kept, skipped = dominated.skip_dominated([_case("fp32-winograd"), _case("int8-cpu")], history)
    assert len(kept) == 2 and skipped == []  # int8-cpu is faster by less than the noise, and less accurate


def test_a_mode_is_skipped_only_when_what_dominates_it_is_planned_too(history):
    kept, skipped = dominated.skip_dominated([_case("fp32")], history)
    assert kept == [_case("fp32")] and skipped == []


def test_another_cpu_class_has_its_own_history(history, monkeypatch):
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "SSE41")  # a cap no run of the suite has: another class
    assert dominated.load(dominated.history_key("ab" * 32, 256, 2)) == {}


def test_psnr_a_few_tenths_of_a_db_apart_counts_as_as_accurate(tmp_path, monkeypatch):
    """Two FP32 graphs of one model (direct and Winograd) measured 94.51 and 94.49 dB: the slower is dominated."""
    monkeypatch.setenv("UGATIT_DEPLOY_CACHE", str(tmp_path))
    key = dominated.history_key("cd" * 32, 256, 2)
    dominated.remember([_measured("fp32", 706.0, 94.51), _measured("fp32-winograd", 535.0, 94.49),
                        _measured("int8-cpu", 300.0, 41.2)], key, "2026-12-07")  # fmt: skip
    kept, skipped = dominated.skip_dominated([_case("fp32"), _case("fp32-winograd"), _case("int8-cpu")],
                                             dominated.load(key))  # fmt: skip
    assert kept == [_case("fp32-winograd"), _case("int8-cpu")]  # int8-cpu is faster, but 53 dB less accurate
    assert skipped[0].startswith("openvino-cpu fp32: dominated on this CPU class (706.00 ms, 94.5 dB")
