"""The resource limits: one definition (limits.json) read by Python and the C++ build, moved by the environment,
and one-line refusals that name the limit and how to raise it."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ugatit_deploy.core.limits import DEFINITION, LimitError, Limits, apply_limits, limit_specs, parse_limit


def test_the_defaults_are_the_json_definition():
    table = {entry["name"]: entry["default"] for entry in json.loads(DEFINITION.read_text())["limits"]}
    assert table == {"max_image_pixels": 100_000_000, "max_image_side": 32768, "max_model_size": 1024, "max_batch": 64}
    assert Limits.defaults() == Limits(**table)


def test_the_cpp_build_reads_the_same_definition():
    cmake = (DEFINITION.parents[2] / "cpp" / "CMakeLists.txt").read_text()
    assert "ugatit_deploy/core/limits.json" in cmake


def test_each_limit_is_raised_by_its_environment_variable():
    environ = {"UGATIT_MAX_IMAGE_PIXELS": "2e8", "UGATIT_MAX_IMAGE_SIDE": "65535", "UGATIT_MAX_MODEL_SIZE": "4096",
               "UGATIT_MAX_BATCH": "256"}  # fmt: skip
    assert Limits.current(environ) == Limits(200_000_000, 65535, 4096, 256)


def test_an_empty_environment_variable_keeps_the_default():
    assert Limits.current({"UGATIT_MAX_MODEL_SIZE": " "}) == Limits.defaults()


@pytest.mark.parametrize("text", ["abc", "0", "-5", "1.5", "nan", "inf", "1e400", ""])
def test_a_bad_environment_value_is_one_line_naming_the_variable(text):
    with pytest.raises(LimitError, match=r"^UGATIT_MAX_MODEL_SIZE / --max-model-size must be a positive integer"):
        parse_limit(limit_specs()["max_model_size"], text)


@settings(max_examples=300, derandomize=True, database=None)
@given(st.text(max_size=30))
def test_any_text_parses_to_a_positive_int_or_a_limit_error(text):
    try:
        value = parse_limit(limit_specs()["max_batch"], text)
    except LimitError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(value, int) and value >= 1


@settings(max_examples=200, derandomize=True, database=None)
@given(st.integers(min_value=1, max_value=10**12))
def test_every_positive_int_reads_back_in_each_spelling(value):
    spec = limit_specs()["max_image_pixels"]
    assert parse_limit(spec, str(value)) == parse_limit(spec, f"{value:_}") == parse_limit(spec, f"{value:,}") == value


def test_an_image_side_over_the_limit_names_the_option_and_variable():
    with pytest.raises(LimitError) as refused:
        Limits.defaults().check_image(65500, 65500, "image a.jpg")
    assert str(refused.value) == (
        "image a.jpg is 65500 x 65500: a side over the limit of 32,768 pixels "
        "(raise it with --max-image-side or UGATIT_MAX_IMAGE_SIDE)"
    )


def test_an_image_with_too_many_pixels_is_refused_with_its_count():
    with pytest.raises(LimitError, match=r"16384 x 16384 \(268,435,456 pixels\): over the limit of 100,000,000"):
        Limits.defaults().check_image(16384, 16384, "image b.png")


def test_an_image_at_the_limits_is_accepted():
    Limits.defaults().check_image(10000, 10000, "image c.png")
    Limits.defaults().check_image(32768, 3000, "a panorama")


@pytest.mark.parametrize(("size", "message"), [(4096, "is 4096: over the limit of 1024"), (0, "positive size, got 0")])
def test_a_model_size_is_checked(size, message):
    with pytest.raises(LimitError, match=message):
        Limits.defaults().check_model_size(size, "m.onnx: model.img_size")


def test_apply_limits_sets_the_variables_child_processes_inherit(monkeypatch):
    monkeypatch.setenv("UGATIT_MAX_MODEL_SIZE", "")  # recorded, so the variable is restored after the test
    assert Limits.current().max_model_size == 1024
    apply_limits(max_model_size=2048, max_batch=None)
    assert os.environ["UGATIT_MAX_MODEL_SIZE"] == "2048" and Limits.current().max_model_size == 2048
