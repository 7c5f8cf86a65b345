"""Gates judge a typed parity value by its fields (``core.gates``)."""

from __future__ import annotations

import pytest

from ugatit_deploy.core.gates import FAST_PATH_GATE, Gate, GateError
from ugatit_deploy.core.parity import ImageParity

BAD = ImageParity(max_abs=0.2, mean_abs=0.01, p99_abs=0.1, psnr_db=28.44, ssim=0.81, changed_uint8_pct=40.0,
                  nonfinite=3)  # fmt: skip
GOOD = ImageParity(max_abs=1e-5, mean_abs=1e-6, p99_abs=1e-5, psnr_db=90.0, ssim=1.0, changed_uint8_pct=0.0,
                   nonfinite=0)  # fmt: skip


def test_gate_failures_name_each_broken_threshold():
    assert Gate(max_abs=1e-2, min_psnr_db=30, min_ssim=0.9).failures(BAD) == [
        "3 NaN/Inf values",
        "max abs error 2.00e-01 > 1e-02",
        "PSNR 28.4 dB < 30 dB",
        "SSIM 0.8100 < 0.9",
    ]


def test_a_passing_measurement_has_no_failures_and_a_label_prefixes_each():
    assert Gate(max_abs=1e-3, min_psnr_db=60, min_ssim=0.999, max_aux_error=1e-3).failures(GOOD) == []
    expected = ["photos: 3 NaN/Inf values", "photos: PSNR 28.4 dB < 30 dB"]
    assert Gate(min_psnr_db=30).failures(BAD, label="photos") == expected


def test_auxiliary_outputs_are_judged_by_name_from_the_typed_value():
    parity = GOOD.with_aux("cam_logit", 2e-3).with_aux("heatmap", 1e-4)
    assert Gate(max_aux_error=1e-3).failures(parity) == ["cam_logit relative error 2.00e-03 > 1e-03"]


def test_nan_fails_every_gate_even_an_empty_one():
    assert Gate().failures(BAD) == ["3 NaN/Inf values"]


def test_moving_a_gate_replaces_only_the_metrics_given():
    moved = FAST_PATH_GATE.moved_by(Gate(min_ssim=0.9))
    assert moved == Gate(min_psnr_db=35.0, min_ssim=0.9)
    assert FAST_PATH_GATE.moved_by(None) is FAST_PATH_GATE


def test_describe_and_spec_use_the_gate_metric_names():
    gate = Gate(max_abs=1e-3, max_aux_error=1e-3)
    assert gate.describe() == {"maxabs": 1e-3, "aux": 1e-3}
    assert gate.spec("fp32") == "fp32:maxabs=0.001+aux=0.001"


@pytest.mark.parametrize(("terms", "message"), [
    ("psnr=x", "'x' is not a number"),
    ("snr=30", "unknown metric 'snr'"),
])  # fmt: skip
def test_bad_metric_terms_name_the_problem(terms, message):
    with pytest.raises(GateError, match=message):
        Gate.parse_terms(terms, f"fp16:{terms}")
