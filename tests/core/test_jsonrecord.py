"""Typed JSON records (``core.jsonrecord``): values checked against their field types, errors that name the
path, and the same JSON text back out."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field, replace

import pytest

from ugatit_deploy.core.jsonrecord import JsonRecord, RecordError


@dataclass(frozen=True)
class Inner(JsonRecord):
    name: str
    dims: tuple[int | str, ...]


@dataclass(frozen=True)
class Outer(JsonRecord):
    count: int
    ratio: float
    flag: bool
    inner: Inner
    table: dict[str, float] = field(default_factory=dict)
    note: str | None = None


GOOD = {"count": 3, "ratio": 1, "flag": True, "inner": {"name": "x", "dims": ["batch", 3]}, "table": {"a": 0.5}}


def test_lists_become_tuples_and_numbers_keep_their_json_type():
    record = Outer.from_dict(GOOD)
    assert record.inner.dims == ("batch", 3) and record.ratio == 1 and isinstance(record.ratio, int)
    assert json.dumps(record.to_dict()) == json.dumps(GOOD)


@pytest.mark.parametrize(("change", "message"), [
    ({"count": True}, "count: expected int, got bool True"),
    ({"count": 1.5}, "count: expected int, got float 1.5"),
    ({"flag": 0}, "flag: expected bool, got int 0"),
    ({"inner": {"name": "x", "dims": [3.5]}}, r"inner.dims\[0\]: unexpected float 3.5"),
    ({"inner": {"dims": []}}, "inner.name: missing"),
    ({"table": {"a": "high"}}, "table.a: expected float, got string 'high'"),
    ({"inner": []}, "inner: expected an object, got array"),
])  # fmt: skip
def test_a_value_of_the_wrong_type_is_named_with_its_path(change, message):
    with pytest.raises(RecordError, match=message):
        Outer.from_dict({**GOOD, **change})


def test_a_record_as_read_writes_its_own_key_order_and_a_changed_copy_the_declared_one():
    shuffled = {"inner": GOOD["inner"], "flag": True, "count": 3, "table": {}, "ratio": 1.0}
    record = Outer.from_dict(shuffled)
    assert list(record.to_dict()) == ["inner", "flag", "count", "table", "ratio"]
    assert list(replace(record, note="n").to_dict()) == ["count", "ratio", "flag", "inner", "table", "note"]
    assert "note" not in replace(record, count=4).to_dict()  # an optional None stays out


def test_random_json_values_are_read_or_refused_with_one_record_error():
    rng = random.Random(7)
    values = [None, 0, -3, 2.5, "s", True, [], [1, "a"], {}, {"name": 1}, {"name": "n", "dims": [1]}]
    for _ in range(400):
        data = {
            key: rng.choice(values)
            for key in ("count", "ratio", "flag", "inner", "table", "note")
            if rng.random() < 0.9
        }
        try:
            Outer.from_dict(data)
        except RecordError as exc:
            assert "\n" not in str(exc)
