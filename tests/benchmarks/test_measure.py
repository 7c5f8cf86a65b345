"""Bench stage 3 (``benchmarks.measure``): cases that cannot run become records without loading."""

from __future__ import annotations

import numpy as np

from ugatit_deploy.benchmarks.measure import MeasureContext, measure_case
from ugatit_deploy.benchmarks.plan import Case
from ugatit_deploy.benchmarks.records import FAILED, UNSUPPORTED
from ugatit_deploy.forms import FORMS

IMAGES = np.zeros((1, 3, 8, 8), dtype=np.float32)

SYMMETRIC_INT8_ONLY = FORMS["int8-cpu"].not_for_tensorrt


CONTEXT = MeasureContext(IMAGES, IMAGES, {"images": [0, 1]}, {}, warmup=0, iters=1, flops=1, peaks={})


def test_a_case_that_cannot_run_becomes_one_record_per_batch_without_loading(tmp_path):
    case = Case("onnxruntime-tensorrt", "cuda", tmp_path / "missing.onnx", "int8-cpu",
                problem=(UNSUPPORTED, SYMMETRIC_INT8_ONLY))  # fmt: skip
    lines: list[str] = []
    measured = measure_case(case, (1, 8), CONTEXT, log=lines.append)
    assert [(r.batch, r.status, r.reason, r.label, r.artifact) for r in measured.records] == [
        (b, UNSUPPORTED, SYMMETRIC_INT8_ONLY, "onnxruntime-tensorrt int8-cpu", "missing.onnx") for b in (1, 8)
    ]
    assert not measured.timed and lines == [f"  onnxruntime-tensorrt int8-cpu: unsupported: {SYMMETRIC_INT8_ONLY}"]
    broken = measure_case(Case("onnxruntime-cpu", "cpu", tmp_path / "missing.onnx", "fp32"), (1,), CONTEXT, print)
    assert broken.records[0].status == FAILED and "missing.onnx" in broken.records[0].reason
