"""The precision list and the ``--gate`` spec (``core.precisions``)."""

from __future__ import annotations

import pytest

from ugatit_deploy.core.gates import WINOGRAD_FP32_GATE, Gate, GateError
from ugatit_deploy.core.precisions import (
    BY_NAME,
    CALIBRATED_PRECISIONS,
    EXPORT_PRECISIONS,
    FP32_GRADE_PRECISIONS,
    FP32_PRECISIONS,
    INT8_KERNEL_PRECISIONS,
    INT8_PRECISIONS,
    LOSSY_PRECISIONS,
    PRECISION_NAMES,
    TENSORRT_PRECISIONS,
    gates_with,
    parse_gates,
)


def test_gate_spec_parses_into_thresholds_per_precision():
    gates = parse_gates("fp32:maxabs=1e-4, fp16:psnr=50+maxabs=1e-2, int8:ssim=0.9, int8:psnr=30")
    assert gates == {
        "fp32": Gate(max_abs=1e-4),
        "fp16": Gate(max_abs=1e-2, min_psnr_db=50.0),
        "int8": Gate(min_psnr_db=30.0, min_ssim=0.9),
    }


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("fp64:psnr=30", "PRECISION one of fp32, fp32-winograd, fp32-int8x3, fp16, int8, int8-cpu"),
        ("fp32:snr=30", "unknown metric 'snr'"),
        ("int8:psnr=high", "'high' is not a number"),
        ("int8", "expected PRECISION:METRIC=VALUE"),
        (" , ", "empty --gate"),
    ],
)
def test_bad_gate_specs_are_refused(spec, message):
    with pytest.raises(GateError, match=message):
        parse_gates(spec)


def test_lossy_defaults_are_image_terms_and_fp16_has_no_max_abs_bound():
    assert BY_NAME["fp16"].gate == Gate(min_psnr_db=50.0, min_ssim=0.999)
    assert BY_NAME["fp32"].gate == Gate(max_abs=1e-3, max_aux_error=1e-3)
    assert all(BY_NAME[p].gate.max_abs is None for p in PRECISION_NAMES if p != "fp32")
    assert EXPORT_PRECISIONS == ("fp32", "fp32-winograd", "fp32-int8x3", "fp16", "int8", "int8-cpu")


def test_the_winograd_form_is_judged_fp32_grade_and_is_no_lossy_precision():
    assert BY_NAME["fp32-winograd"].gate == WINOGRAD_FP32_GATE == Gate(min_psnr_db=60.0, min_ssim=0.999)
    assert "fp32-winograd" not in LOSSY_PRECISIONS and "fp32-winograd" not in TENSORRT_PRECISIONS


def test_the_int8x3_form_is_fp32_grade_calibrated_and_runs_on_int8_kernels():
    assert BY_NAME["fp32-int8x3"].gate == WINOGRAD_FP32_GATE and "fp32-int8x3" in FP32_GRADE_PRECISIONS
    assert "fp32-int8x3" not in LOSSY_PRECISIONS and "fp32-int8x3" not in TENSORRT_PRECISIONS
    assert "fp32-int8x3" in CALIBRATED_PRECISIONS and "fp32-int8x3" in INT8_KERNEL_PRECISIONS
    assert "fp32-int8x3" not in INT8_PRECISIONS and "fp32-int8x3" not in FP32_PRECISIONS  # not float32 arithmetic


def test_a_gate_moves_only_the_metrics_it_names():
    moved = gates_with(parse_gates("fp16:psnr=45,int8:ssim=0.9"))
    assert moved["fp16"] == Gate(min_psnr_db=45.0, min_ssim=0.999)
    assert moved["int8"] == Gate(min_psnr_db=30.0, min_ssim=0.9)
    assert moved["fp32"] == BY_NAME["fp32"].gate
    assert Gate(max_abs=1e-2, min_psnr_db=50.0).spec("fp16") == "fp16:maxabs=0.01+psnr=50"
