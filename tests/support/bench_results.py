"""Bench results made by hand for the report tests: four records covering ok, failed-parity and unavailable."""

from __future__ import annotations

import math

from ugatit_deploy.benchmarks.records import (
    BenchRecord,
    BenchResults,
    Floor,
    FloorSummary,
    GateResult,
    Inputs,
    Latency,
    Memory,
    ModelInfo,
    Parity,
    RunSettings,
    Stats,
)
from ugatit_deploy.core.gates import Gate

UNAVAILABLE_REASON = "TensorRT is not installed"


INT8_REASON = "psnr_db 24.1 < 30.0"


MACHINE = {"cpu": "AMD EPYC", "cpu_count": 2, "torch_threads": 2, "gpu": None, "python": "3.11.7",
           "torch": "2.13.0+cpu", "cuda": None, "onnxruntime": "1.32.0", "tensorrt": None,
           "ugatit_deploy": "0.1.0"}  # fmt: skip


def latency(p50: float, p99: float, batch: int) -> Latency:
    per_image = Stats(p50=p50, p90=p50 * 1.05, p99=p99, mean=p50 * 1.02, std=0.1, min=p50 * 0.98)
    per_batch = Stats(**{key: value * batch for key, value in per_image.to_dict().items()})
    return Latency(per_batch, per_image, images_per_s=1000.0 / p50, iters=20, samples_ms=[p50 * batch] * 20)


def record(backend: str, form: str, batch: int, status: str = "ok", reason: str = "", compute: str = "",
           **parts) -> BenchRecord:  # fmt: skip
    return BenchRecord(backend=backend, form=form, compute=compute, batch=batch, label=f"{backend} {compute or form}",
                       status=status, reason=reason, **parts)  # fmt: skip


def parity(max_abs: float, psnr_db: float) -> Parity:
    return Parity(max_abs=max_abs, mean_abs=max_abs / 20, p99_abs=max_abs / 2, psnr_db=psnr_db, ssim=1.0,
                  changed_uint8_pct=0.0, nonfinite=0)  # fmt: skip


def passed(gate: Gate) -> GateResult:
    return GateResult(True, [], gate.describe())


def make_results() -> BenchResults:
    """Four records: ok ORT fp32, failed-parity ORT int8, unavailable TensorRT, the torch-cpu fp32 baseline."""
    gates = {"fp32": Gate(max_abs=1e-4), "fp16": Gate(min_psnr_db=50.0), "int8": Gate(min_psnr_db=30.0)}
    return BenchResults(
        created_utc="2026-11-27T12:00:00+00:00",
        command="ugatit-deploy bench demo_shapes_a2b.pt",
        machine=dict(MACHINE),
        model=ModelInfo(
            "demo_shapes_a2b.pt", "ab" * 32, "a2b", {"ngf": 8, "n_blocks": 4, "img_size": 64, "light": True}
        ),
        inputs=Inputs(size=64, count=8, names=["photo_a.png", "photo_b.png"], source="photos"),
        settings=RunSettings(warmup=3, iters=20, threads=2, batches=[1, 8]),
        floor=FloorSummary(1_200_000_000, {"cpu-fp32": 186.0, "cuda-fp16": None}),
        gates={precision: gate.describe() for precision, gate in gates.items()},
        gated_precisions=[],
        records=[
            record(
                "onnxruntime-cpu",
                "fp32",
                1,
                artifact="demo_a2b_fp32.onnx",
                size_mb=0.71,
                parity=parity(2e-6, 120.3),
                gate=passed(gates["fp32"]),
                latency=latency(5.1, 6.0, 1),
                memory=Memory(512.0),
                floor=Floor(gflops_achieved=40.1, peak_gflops=186.0, peak_key="cpu-fp32", pct_of_peak=21.6),
                speedup_vs_torch_eager=1.4,
            ),
            record(
                "onnxruntime-cpu",
                "int8",
                8,
                status="failed-parity",
                reason=INT8_REASON,
                artifact="demo_a2b_int8.onnx",
                size_mb=0.25,
                parity=parity(0.5, 24.1),
                gate=GateResult(False, [INT8_REASON], gates["int8"].describe()),
                latency=latency(2.5, 3.2, 8),
                memory=Memory(600.0),
                speedup_vs_torch_eager=2.9,
            ),
            record("tensorrt", "fp16", 1, status="unavailable", reason=UNAVAILABLE_REASON),
            record(
                "torch-cpu",
                "fp32",
                1,
                parity=parity(0.0, math.inf),
                gate=passed(gates["fp32"]),
                latency=latency(7.2, 8.0, 1),
                memory=Memory(480.0),
                speedup_vs_torch_eager=1.0,
            ),
        ],
    )
