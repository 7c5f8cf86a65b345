"""The graph forms, the compute hints, the labels of runs and the ``--gate`` spec (``forms.registry``)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ugatit_deploy.core.gates import WINOGRAD_FP32_GATE, Gate, GateError
from ugatit_deploy.forms import (
    COMPUTE_HINTS,
    FORMS,
    KERNELS,
    PrecisionError,
    forms_where,
    gates_with,
    get_form,
    kernel_of,
    label,
    label_names,
    parse_forms,
    parse_gates,
)


def test_the_forms_are_todays_precision_names_in_order():
    assert tuple(FORMS) == ("fp32", "fp32-winograd", "fp32-int8x3", "fp16", "int8", "int8-cpu")
    assert label_names() == (*FORMS, "bf16")  # bf16 is a compute hint, still a label and a gate


def test_gate_spec_parses_into_thresholds_per_label():
    gates = parse_gates("fp32:maxabs=1e-4, fp16:psnr=50+maxabs=1e-2, int8:ssim=0.9, int8:psnr=30, bf16:psnr=45")
    assert gates == {
        "fp32": Gate(max_abs=1e-4),
        "fp16": Gate(max_abs=1e-2, min_psnr_db=50.0),
        "int8": Gate(min_psnr_db=30.0, min_ssim=0.9),
        "bf16": Gate(min_psnr_db=45.0),
    }


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("fp64:psnr=30", "PRECISION one of fp32, fp32-winograd, fp32-int8x3, fp16, int8, int8-cpu, bf16"),
        ("throughput:psnr=30", "PRECISION one of"),  # a scheduling hint has no gate
        ("fp32:snr=30", "unknown metric 'snr'"),
        ("int8:psnr=high", "'high' is not a number"),
        ("int8", "expected PRECISION:METRIC=VALUE"),
        (" , ", "empty --gate"),
    ],
)
def test_bad_gate_specs_are_refused(spec, message):
    with pytest.raises(GateError, match=message):
        parse_gates(spec)


def test_lossy_defaults_are_image_terms_and_only_fp32_has_a_max_abs_bound():
    gates = gates_with()
    assert gates["fp16"] == Gate(min_psnr_db=50.0, min_ssim=0.999) == COMPUTE_HINTS["fp16"].gate
    assert gates["fp32"] == Gate(max_abs=1e-3, max_aux_error=1e-3)
    assert gates["bf16"] == Gate(min_psnr_db=40.0)
    assert [name for name, gate in gates.items() if gate.max_abs is not None] == ["fp32"]


def test_the_winograd_form_is_fp32_grade_fixed_size_and_not_for_tensorrt():
    form = get_form("fp32-winograd")
    assert form.gate == WINOGRAD_FP32_GATE == Gate(min_psnr_db=60.0, min_ssim=0.999)
    assert form.fp32_grade and form.fixed_size and not form.tensorrt and not form.calibrated


def test_the_int8x3_form_is_fp32_grade_calibrated_and_runs_on_int8_kernels():
    form = get_form("fp32-int8x3")
    assert form.gate == WINOGRAD_FP32_GATE and form.fp32_grade and form.calibrated and form.kernel == "int8"
    assert not form.float_layers and not form.tensorrt


def test_what_the_forms_declare_selects_them():
    assert forms_where(tensorrt=True) == ("fp32", "fp16", "int8")
    assert forms_where(float_layers=True) == ("int8", "int8-cpu")
    assert forms_where(calibrated=True) == ("fp32-int8x3", "int8", "int8-cpu")
    assert forms_where(fp32_grade=True) == ("fp32", "fp32-winograd", "fp32-int8x3")
    assert forms_where(cpu_candidate=True) == ("fp32", "fp32-winograd", "fp32-int8x3", "int8-cpu")
    assert {name: FORMS[name].weight_bits for name in forms_where(float_layers=True)} == {"int8": 8, "int8-cpu": 7}


@pytest.mark.parametrize(
    ("form", "compute", "expected"),
    [
        ("fp32", "", ("fp32", "")),
        ("fp32", "bf16", ("bf16", "")),  # a float file computed in bf16 is a bf16 run, gated as bf16
        ("fp32", "fp16", ("fp16", "")),  # torch's autocast
        ("int8-cpu", "bf16", ("int8-cpu", "+bf16")),  # INT8 kernels keep their name; the hint follows the variant
        ("int8-cpu", "bf16+throughput", ("int8-cpu", "+bf16")),
        ("fp32", "throughput", ("fp32", "")),  # scheduling only
        ("?", "bf16", ("?", "")),  # an unreadable file keeps its mark
    ],
)
def test_a_run_is_labelled_from_its_form_and_compute_hints(form, compute, expected):
    assert label(form, compute) == expected


def test_the_kernel_of_a_run_picks_its_peak():
    assert [kernel_of("fp32"), kernel_of("fp32", "bf16"), kernel_of("int8-cpu", "bf16"), kernel_of("fp16")] == [
        "fp32", "bf16", "int8", "fp16"]  # fmt: skip


def test_form_lists_parse_with_all_and_without_repeats():
    assert parse_forms("int8-cpu, fp32,int8-cpu") == ("int8-cpu", "fp32")
    assert parse_forms(["fp16", "all"]) == ("fp16", *(name for name in FORMS if name != "fp16"))
    with pytest.raises(PrecisionError, match="'bf16': use fp32, .* or all"):
        parse_forms("bf16")  # a compute hint, not a file


def test_a_gate_moves_only_the_metrics_it_names():
    moved = gates_with(parse_gates("fp16:psnr=45,int8:ssim=0.9"))
    assert moved["fp16"] == Gate(min_psnr_db=45.0, min_ssim=0.999)
    assert moved["int8"] == Gate(min_psnr_db=30.0, min_ssim=0.9)
    assert moved["fp32"] == get_form("fp32").gate
    assert Gate(max_abs=1e-2, min_psnr_db=50.0).spec("fp16") == "fp16:maxabs=0.01+psnr=50"


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.text(alphabet="abcdefpsnrxmi0123456789:=+,. -", max_size=40))
def test_any_gate_spec_parses_or_is_refused_with_a_gate_error(spec):
    try:
        gates = parse_gates(spec)
    except GateError as exc:
        assert "\n" not in str(exc)
    else:
        assert set(gates) <= set(label_names())


def test_every_form_declares_a_known_kernel_and_hints():
    assert all(form.kernel in KERNELS for form in FORMS.values())
    assert all(set(form.computes) <= set(COMPUTE_HINTS) for form in FORMS.values())
    assert all(hint.kernel in (None, *KERNELS) for hint in COMPUTE_HINTS.values())
