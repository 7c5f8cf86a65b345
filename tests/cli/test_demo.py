"""``ugatit-deploy demo``'s choice: the fastest batch-1 mode that passed its gate."""

from __future__ import annotations

from pathlib import Path

from ugatit_deploy.benchmarks.latency import summarize
from ugatit_deploy.benchmarks.plan import Case
from ugatit_deploy.benchmarks.records import BenchRecord
from ugatit_deploy.cli.demo import fastest_passing


def _record(backend: str, form: str, ms: float, status: str = "ok", batch: int = 1, compute: str = "") -> BenchRecord:
    return BenchRecord(backend=backend, form=form, compute=compute, batch=batch,
                       label=f"{backend} {compute or form}", status=status,
                       latency=summarize([ms * batch], batch))  # fmt: skip


def test_the_main_job_takes_the_fastest_mode_that_passed():
    records = [_record("torch-cpu", "fp32", 12.0), _record("openvino-cpu", "int8-cpu", 2.0, "failed-parity"),
               _record("openvino-cpu", "fp32", 3.0, compute="bf16"), _record("onnxruntime-cpu", "fp32", 4.0),
               _record("onnxruntime-cpu", "int8-cpu", 1.0, batch=8)]  # fmt: skip
    onnx = Path("out/onnx/m_fp32.onnx")
    cases = {
        "torch-cpu fp32": Case("torch-cpu", "cpu", Path("m.pt"), "fp32", {"precision": "fp32", "direction": "a2b"}),
        "openvino-cpu bf16": Case("openvino-cpu", "cpu", onnx, "bf16", {"inference_precision": "bf16"}),
        "onnxruntime-cpu fp32": Case("onnxruntime-cpu", "cpu", onnx, "fp32"),
    }
    assert fastest_passing(records, cases) == cases["openvino-cpu bf16"]  # its model file and runner options
    assert fastest_passing(records[:2], cases) == cases["torch-cpu fp32"]
    assert fastest_passing(records[1:2], cases) is None


def test_the_main_job_never_picks_mnn_whose_speed_one_measurement_cannot_vouch_for():
    records = [_record("torch-cpu", "fp32", 12.0), _record("mnn-cpu", "fp32", 1.0)]
    cases = {"torch-cpu fp32": Case("torch-cpu", "cpu", Path("m.pt"), "fp32"),
             "mnn-cpu fp32": Case("mnn-cpu", "cpu", Path("m.mnn"), "fp32")}  # fmt: skip
    assert fastest_passing(records, cases) == cases["torch-cpu fp32"]
