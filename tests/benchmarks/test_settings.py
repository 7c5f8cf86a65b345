"""What a bench run is asked to do (``benchmarks.settings``): values no stage can run with are refused, and
settings travel as JSON (what ``bench --isa`` hands each class's child): every field round-trips, and any other
file content is a one-line BenchError (fuzzed with fixed seeds)."""

from __future__ import annotations

import copy
import json
import math
from dataclasses import fields, replace
from pathlib import Path

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from ugatit_deploy.benchmarks.settings import (
    BenchError,
    BenchSettings,
    read_settings,
    settings_from_json,
    write_settings,
)
from ugatit_deploy.core.gates import Gate
from ugatit_deploy.forms.transforms.int8_options import Int8Options, KeepFp, QuantRecipe

CKPT, FP32, INT8_CPU, PLAN = Path("m.pt"), Path("m_fp32.onnx"), Path("m_int8-cpu.onnx"), Path("m_fp32.plan")


def test_settings_no_stage_can_run_are_refused():
    with pytest.raises(BenchError, match="unknown backend 'tflite'"):
        BenchSettings(checkpoint=CKPT, backends=("tflite",)).check()
    with pytest.raises(BenchError, match="--iters and --rounds >= 1"):
        BenchSettings(checkpoint=CKPT, iters=0).check()


@pytest.mark.parametrize("seconds", [-1.0, math.nan])
def test_a_time_budget_below_zero_or_nan_is_refused(seconds):
    with pytest.raises(BenchError, match="--max-time must be >= 0 seconds"):
        BenchSettings(checkpoint=CKPT, max_time=seconds).check()


# ------------------------------------------------------------------------------- the JSON codec


def _every_field_set() -> BenchSettings:
    """Settings whose every field differs from its default (None where the default is not None)."""
    int8 = Int8Options(Path("calib"), 8, KeepFp(names=("UpBlock2.2", "DownBlock.9")),
                       QuantRecipe("minmax", per_channel=False, bias_correction=False, conv_outputs="int8",
                                   weight_bits=7))  # fmt: skip
    return BenchSettings(checkpoint=CKPT, direction="b2a", onnx=(FP32, INT8_CPU), engines=(PLAN,),
                         backends=("torch-cpu", "openvino-cpu"), images=Path("photos"), batches=(1, 8), size=64,
                         warmup=0, iters=3, rounds=2, max_time=0.5, threads=2, out=Path("out dir"),
                         gates={"fp32": Gate(max_abs=1e-4), "int8": Gate(min_psnr_db=30.0, min_ssim=0.98)},
                         export_precisions=("fp32",), int8=int8, command="ugatit-deploy bench --batch 1,8",
                         peaks=False, everything=True)  # fmt: skip


def test_every_field_differs_from_its_default_in_the_round_trip_settings():
    chosen, default = _every_field_set(), BenchSettings(checkpoint=Path("other.pt"))
    assert [f.name for f in fields(BenchSettings) if getattr(chosen, f.name) == getattr(default, f.name)] == []


def test_settings_round_trip_through_their_json_value():
    settings = _every_field_set()
    data = json.loads(json.dumps(settings.to_dict()))
    assert (data["schema"], data["schema_version"], data["checkpoint"], data["onnx"]) == (
        "ugatit-deploy/bench-settings", 1, "m.pt", ["m_fp32.onnx", "m_int8-cpu.onnx"])  # fmt: skip
    assert BenchSettings.from_dict(data) == settings
    assert BenchSettings.from_dict(BenchSettings(checkpoint=CKPT).to_dict()) == BenchSettings(checkpoint=CKPT)


def test_settings_round_trip_through_a_file(tmp_path):
    settings = replace(_every_field_set(), gates={"fp16": Gate(max_abs=math.inf, min_ssim=0.999)})
    path = write_settings(settings, tmp_path / "class" / "settings.json")
    assert read_settings(path) == settings


def test_missing_fields_take_their_defaults_but_the_checkpoint_is_required():
    assert settings_from_json(json.dumps({**HEADER, "checkpoint": "m.pt"})) == BenchSettings(checkpoint=CKPT)
    with pytest.raises(BenchError, match=r"^settings\.checkpoint: missing$"):
        settings_from_json(json.dumps(HEADER))


HEADER = {"schema": "ugatit-deploy/bench-settings", "schema_version": 1}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "bench settings: not JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ("[]", "bench settings: expected an object, got array"),
        ('{"schema": "other"}', "bench settings: schema 'other', expected 'ugatit-deploy/bench-settings'"),
        ('{"schema": "ugatit-deploy/bench-settings", "schema_version": 2}',
         "bench settings: schema_version 2: this ugatit-deploy reads 1"),
        ({"checkpoint": "m.pt", "iters": "20"}, "settings.iters: expected int, got string '20'"),
        ({"checkpoint": "m.pt", "iters": True}, "settings.iters: expected int, got bool True"),
        ({"checkpoint": "m.pt", "batches": 1}, "settings.batches: expected an array, got int"),
        ({"checkpoint": "m.pt", "onnx": ["a.onnx", ""]}, "settings.onnx[1]: not a path: ''"),
        ({"checkpoint": "m.pt", "speed": "max"}, "settings: unknown field 'speed'"),
        ({"checkpoint": "m.pt", "gates": {"fp\n32": {"psnr": 30}}}, "settings.gates['fp\\n32']: unknown field 'psnr'"),
        ({"checkpoint": "m.pt", "gates": {"fp32": {"max_abs": 1e999}}}, None),  # Infinity: a gate nothing misses
        ({"checkpoint": "m.pt", "int8": {"keep_fp": {"auto": True, "count": 2}}},
         "settings.int8.keep_fp: --keep-fp takes one of auto, a count or layer names"),
        ({"checkpoint": "m.pt", "int8": {"recipe": {"percentile": 10**400}}},
         f"settings.int8.recipe.percentile: 1{'0' * 56}... is out of a float's range"),
        ({"checkpoint": "m.pt", "int8": {"calib_images": 0}}, "settings.int8: --calib-images must be >= 1, got 0"),
    ],
)  # fmt: skip
def test_a_file_that_does_not_fit_is_named_in_one_line(text, message):
    text = text if isinstance(text, str) else json.dumps({**HEADER, **text})
    if message is None:
        assert isinstance(settings_from_json(text), BenchSettings)
        return
    with pytest.raises(BenchError) as error:
        settings_from_json(text)
    assert str(error.value) == message


def test_a_missing_or_unreadable_file_is_one_line(tmp_path):
    with pytest.raises(BenchError, match=r"^bench settings .*missing\.json: No such file or directory$"):
        read_settings(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(BenchError, match=r"bad\.json: bench settings: not JSON: ") as error:
        read_settings(tmp_path / "bad.json")
    assert "\n" not in str(error.value)


# Any JSON value: what a damaged or hand-edited settings file may hold.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=16,
)


def _parsed_or_one_line_error(text: str | bytes) -> BenchSettings | None:
    """The settings, or None after checking that the BenchError is one non-empty line; anything else raises."""
    try:
        settings = settings_from_json(text)
    except BenchError as exc:
        assert str(exc) and "\n" not in str(exc)
        return None
    again = BenchSettings.from_dict(json.loads(json.dumps(settings.to_dict())))  # what parses, writes back
    assert json.dumps(again.to_dict()) == json.dumps(settings.to_dict())
    return settings


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON value: object keys and array indexes, containers and leaves."""
    places = [prefix] if prefix else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, item in items:
        places += _paths(item, (*prefix, key))
    return places


VALID = json.loads(json.dumps(_every_field_set().to_dict()))
PLACES = _paths(VALID)


@seed(20240611)
@settings(max_examples=300, deadline=None, database=None)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_any_text_is_settings_or_a_one_line_error(text):
    _parsed_or_one_line_error(text)


@pytest.mark.slow
@seed(20240612)
@settings(max_examples=200, deadline=None, database=None)
@given(JSON_VALUES)
def test_any_json_value_is_settings_or_a_one_line_error(value):
    _parsed_or_one_line_error(json.dumps(value))


@pytest.mark.slow
@seed(20240613)
@settings(max_examples=300, deadline=None, database=None)
@given(st.sampled_from(PLACES), JSON_VALUES | st.just(DELETE := object()))
def test_a_valid_file_with_one_value_changed_is_settings_or_a_one_line_error(place, value):
    data = copy.deepcopy(VALID)
    *parents, last = place
    holder = data
    for key in parents:
        holder = holder[key]
    if value is DELETE:
        del holder[last]
    else:
        holder[last] = value
    _parsed_or_one_line_error(json.dumps(data))


def test_deep_nesting_is_a_one_line_error():
    assert _parsed_or_one_line_error("[" * 100_000 + "]" * 100_000) is None
