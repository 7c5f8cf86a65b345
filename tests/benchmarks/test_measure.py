"""Bench stage 3 (``benchmarks.measure``): cases that cannot run become records without loading."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from support.fake_backends import PassThrough

from ugatit_deploy.benchmarks.measure import MeasureContext, measure_batch, measure_case
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


class _Counting(PassThrough):
    """Returns its input; counts the calls of ``execute``, with their batch sizes."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def execute(self, staged):
        self.calls.append(len(staged))
        return staged


def test_after_the_parity_pass_one_untimed_call_is_the_warm_up():
    """Every image went through the runner at this batch size just before: the timed loop warms up once, not
    ``warmup`` times."""
    images = np.zeros((3, 3, 8, 8), dtype=np.float32)
    context = replace(CONTEXT, images=images, reference=images, sets={"images": [0, 3]}, warmup=5, iters=4)
    runner = _Counting()
    record, _ = measure_batch(Case("fake-cpu", "cpu", None, "fp32"), runner, 1, context)
    assert runner.calls == [1] * (3 + 1 + 4)  # parity: 3 images; warm-up: 1; timed: 4
    assert record.latency is not None and record.latency.iters == 4
