"""Bench stage 4 (``benchmarks.compare``): parity per input set, gates, speed-ups."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from support.fake_backends import PassThrough

from ugatit_deploy.backends import BACKENDS, BackendInfo
from ugatit_deploy.benchmarks.compare import add_speedups, apply_peaks, ignores_cap, runs_winograd
from ugatit_deploy.benchmarks.latency import summarize
from ugatit_deploy.benchmarks.measure import MeasureContext, measure_batch
from ugatit_deploy.benchmarks.plan import Case
from ugatit_deploy.benchmarks.records import BenchRecord, Floor
from ugatit_deploy.core.gates import Gate


class _NoisyOnPhotos(PassThrough):
    """Returns the reference, with noise on the first two images only (the "photos")."""

    def __init__(self, reference):
        super().__init__(BackendInfo("fake-cpu", "int8-cpu", Path("fake.onnx")))
        self.reference = reference

    def execute(self, staged):
        noisy = self.reference.copy()
        noisy[:2] += np.random.default_rng(0).normal(0, 0.075, noisy[:2].shape).astype(np.float32)  # ~28.5 dB
        return noisy[: len(staged)]


def test_a_lossy_mode_fails_when_the_photos_alone_miss_the_gate():
    reference = np.random.default_rng(1).uniform(-1, 1, (4, 3, 16, 16)).astype(np.float32)
    case = Case("fake-cpu", "cpu", None, "int8-cpu")
    context = MeasureContext(images=reference, reference=reference, sets={"photos": [0, 2], "demo": [2, 4]},
                             gates={"int8-cpu": Gate(min_psnr_db=30.0)}, warmup=0, iters=1, flops=10**9,
                             peaks={"cpu-fp32": 1e9, "cpu-int8": 1e9})  # fmt: skip
    record, outputs = measure_batch(case, _NoisyOnPhotos(reference), 4, context)
    assert record.parity is not None and record.parity.by_set is not None and outputs is not None
    by_set = record.parity.by_set
    assert by_set["demo"].psnr_db == math.inf and 25 < by_set["photos"].psnr_db < 30
    assert record.parity.psnr_db >= 30  # the mix passes ...
    assert record.status == "failed-parity" and record.reason.startswith("photos: PSNR")  # ... the photos do not
    assert record.gate is not None and not record.gate.passed and record.gate.thresholds == {"psnr": 30.0}
    assert record.label == "fake-cpu int8-cpu" and record.latency is not None and record.latency.iters == 1
    assert record.floor is not None and record.floor.peak_key == "cpu-int8"  # int8-cpu: its own precision's peak
    assert record.floor.pct_of_peak == pytest.approx(100 * record.floor.gflops_achieved / 1e9)


def _timed(backend: str, form: str, ms: float, batch: int = 1, compute: str = "", **options) -> BenchRecord:
    return BenchRecord(backend=backend, form=form, compute=compute, options=options, batch=batch, label=backend,
                       status="ok", latency=summarize([ms * batch] * 3, batch))  # fmt: skip


def test_speedups_are_over_eager_fp32_on_the_same_device_and_batch():
    records = [
        _timed("torch-cpu", "fp32", 10.0, channels_last=False),
        _timed("onnxruntime-cpu", "int8-cpu", 4.0, threads=2),
        _timed("torch-cpu", "fp32", 6.0, batch=8),
        _timed("onnxruntime-cpu", "fp32", 3.0, batch=8),
        _timed("torch-cuda", "fp32", 2.0, channels_last=False, cuda_graphs=False),
        _timed("torch-cuda", "fp32", 1.0, compute="fp16", channels_last=True, cuda_graphs=True),
        _timed("tensorrt", "fp16", 0.5),
        replace(_timed("openvino-cpu", "fp32", 1.0, compute="bf16"), latency=None),
    ]
    add_speedups(records)
    assert [r.speedup_vs_torch_eager for r in records] == [1.0, 2.5, 1.0, 2.0, 1.0, 2.0, 4.0, None]


def test_a_browser_row_is_compared_with_pytorch_on_the_cpu_it_runs_on():
    records = [_timed("torch-cpu", "fp32", 10.0, channels_last=False), _timed("onnxruntime-web", "fp32", 20.0)]
    add_speedups(records)
    assert [r.speedup_vs_torch_eager for r in records] == [1.0, 0.5]


def test_mnn_and_ncnn_are_the_winograd_runtimes():
    assert [name for name in BACKENDS if runs_winograd(name)] == ["mnn-cpu", "ncnn-cpu"]
    assert not runs_winograd("no-such-backend")


def test_the_winograd_graph_form_counts_as_winograd_on_any_backend():
    assert runs_winograd("onnxruntime-cpu", "fp32-winograd") and runs_winograd("openvino-cpu", "fp32-winograd")
    assert not runs_winograd("openvino-cpu", "fp32")


def test_only_runtimes_with_their_own_kernels_ignore_a_cap_and_only_under_one():
    cap = {"ONEDNN_MAX_CPU_ISA": "AVX2"}
    cpu = [name for name in BACKENDS if ignores_cap(name, cap) and name.endswith("-cpu")]
    assert cpu == ["onnxruntime-cpu", "mnn-cpu", "ncnn-cpu"]  # torch eager and OpenVINO run oneDNN: capped
    assert ignores_cap("onnxruntime-cpu", cap) and not ignores_cap("openvino-cpu", cap)
    assert not ignores_cap("onnxruntime-cpu", {}) and not ignores_cap("no-such-backend", cap)


def test_peaks_measured_again_apply_each_records_own_peak_and_the_winograd_rule():
    def floored(backend: str, form: str, key: str, gflops: float, compute: str = "") -> BenchRecord:
        floor = Floor(gflops_achieved=gflops, peak_gflops=None, peak_key=key, pct_of_peak=None)
        return BenchRecord(backend=backend, form=form, compute=compute, batch=1, label=backend, status="ok",
                           floor=floor)  # fmt: skip

    records = [
        floored("mnn-cpu", "fp32", "cpu-fp32", 300.0),
        floored("torch-cpu", "fp32", "cpu-fp32", 300.0),
        floored("openvino-cpu", "int8-cpu", "cpu-int8", 300.0),
        floored("openvino-cpu", "fp32", "cpu-bf16", 1.0, compute="bf16"),
    ]
    apply_peaks(records, {"cpu-fp32": 200.0, "cpu-int8": 600.0, "cpu-bf16": None})
    floors = [record.floor for record in records]
    assert [f.pct_of_peak for f in floors] == [None, None, 50.0, None]
    assert floors[0].note is not None and floors[0].note.startswith("Winograd: effective 300.0 GFLOP/s")
    assert floors[1].note is not None and floors[1].note.endswith("the peak measurement is low")
    assert floors[2].note is None and floors[3].note is None and floors[3].peak_gflops is None
