"""The one choice ``bench``, the main job and the CPU fast path make: the fastest batch-1 mode that passed."""

from __future__ import annotations

from ugatit_deploy.benchmarks.choose import choose_fastest, meets, why_not_chosen
from ugatit_deploy.benchmarks.latency import summarize
from ugatit_deploy.benchmarks.records import BenchRecord, Parity
from ugatit_deploy.core.gates import FAST_PATH_GATE


def _record(backend: str, precision: str, ms: float, status: str = "ok", batch: int = 1, psnr: float = 60.0,
            ssim: float = 0.999) -> BenchRecord:  # fmt: skip
    parity = Parity(max_abs=0.01, mean_abs=0.001, p99_abs=0.005, psnr_db=psnr, ssim=ssim, changed_uint8_pct=0.1,
                    nonfinite=0)  # fmt: skip
    form, compute = ("fp32", "bf16") if precision == "bf16" else (precision, "")
    return BenchRecord(backend=backend, form=form, compute=compute, batch=batch, label=f"{backend} {precision}",
                       status=status, latency=summarize([ms * batch], batch), parity=parity)  # fmt: skip


RECORDS = [_record("torch-cpu", "fp32", 12.0), _record("openvino-cpu", "int8-cpu", 2.0, "failed-parity"),
           _record("openvino-cpu", "bf16", 3.0), _record("onnxruntime-cpu", "fp32", 4.0),
           _record("onnxruntime-cpu", "int8-cpu", 1.0, batch=8)]  # fmt: skip


def test_the_fastest_batch_1_record_that_passed_is_chosen():
    assert choose_fastest(RECORDS).label == "openvino-cpu bf16"
    assert choose_fastest(RECORDS[:2]).label == "torch-cpu fp32"
    assert choose_fastest(RECORDS[1:2]) is None
    assert choose_fastest(RECORDS, batch=8).label == "onnxruntime-cpu int8-cpu"


def test_a_record_that_misses_the_extra_gate_is_not_chosen():
    blurry = _record("openvino-cpu", "bf16", 1.0, psnr=34.0)
    assert not meets(blurry, FAST_PATH_GATE) and meets(RECORDS[0], FAST_PATH_GATE)
    assert choose_fastest([*RECORDS, blurry], FAST_PATH_GATE).label == "openvino-cpu bf16"
    assert choose_fastest([*RECORDS, blurry], FAST_PATH_GATE).latency.ms_per_image.p50 == 3.0


def test_mnn_is_never_chosen_since_one_measurement_cannot_vouch_for_its_speed():
    records = [_record("torch-cpu", "fp32", 12.0), _record("mnn-cpu", "fp32", 1.0)]
    assert choose_fastest(records).backend == "torch-cpu"


def test_every_other_batch_1_record_says_why_it_was_not_chosen():
    best = choose_fastest(RECORDS)
    assert why_not_chosen(RECORDS, best) == [
        "fp32: 12.0 ms, slower than bf16 (3.0 ms)",
        "int8-cpu: failed-parity: ",
        "fp32: 4.0 ms, slower than bf16 (3.0 ms)",
    ]
