"""Property tests of the bench results codec, with fixed examples: any record this version can hold is written and
read back equal, and whatever a results.json holds, reading it gives records or one line of SchemaError, never
another exception."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.paths import TESTS

from ugatit_deploy.benchmarks.records import (
    SCHEMA,
    STATUSES,
    BenchRecord,
    BenchResults,
    Floor,
    GateResult,
    Latency,
    Memory,
    Parity,
    SchemaError,
    SetQuality,
    Stats,
)
from ugatit_deploy.forms import COMPUTE_HINTS, FORMS, join_hints
from ugatit_deploy.training.task_score import TaskScore

GOLDEN = TESTS / "data" / "bench"
V1 = json.loads((GOLDEN / "results_v1.json").read_text(encoding="utf-8"))
V2 = json.loads((GOLDEN / "results_v2.json").read_text(encoding="utf-8"))


def fuzz(examples: int) -> settings:
    """Fixed examples, no deadline, no example database: the same run every time."""
    return settings(derandomize=True, max_examples=examples, deadline=None, database=None)


NUMBER = st.floats(allow_nan=False)  # infinities included: an identical output's PSNR is inf
TEXT = st.text(max_size=12)
SCALAR = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | NUMBER | TEXT
JSON = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                    max_leaves=8)  # fmt: skip

STATS = st.builds(Stats, NUMBER, NUMBER, NUMBER, NUMBER, NUMBER, NUMBER)
PARITY_KEYS = {"max_abs", "mean_abs", "p99_abs", "psnr_db", "ssim", "changed_uint8_pct", "nonfinite", "extra",
               "psnr_per_image", "by_set"}  # fmt: skip
PARITY = st.builds(
    Parity, max_abs=NUMBER, mean_abs=NUMBER, p99_abs=NUMBER, psnr_db=NUMBER, ssim=st.none() | NUMBER,
    changed_uint8_pct=NUMBER, nonfinite=st.integers(0, 2**31),
    extra=st.dictionaries(TEXT.filter(lambda key: key not in PARITY_KEYS), JSON, max_size=2),
    psnr_per_image=st.none() | st.lists(NUMBER, max_size=3),
    by_set=st.none() | st.dictionaries(TEXT, st.builds(SetQuality, NUMBER, NUMBER, NUMBER), max_size=2),
)  # fmt: skip
GATE = st.builds(GateResult, st.booleans(), st.lists(TEXT, max_size=2), st.dictionaries(TEXT, NUMBER, max_size=2))
TASK = st.builds(TaskScore, images=st.integers(0, 100), psnr_db=NUMBER, ssim=NUMBER, input_psnr_db=NUMBER,
                 input_ssim=NUMBER)  # fmt: skip
RECORD = st.builds(
    BenchRecord,
    backend=TEXT,
    form=st.sampled_from([*FORMS, "-", "?"]) | TEXT,
    compute=st.lists(st.sampled_from(list(COMPUTE_HINTS)), unique=True).map(join_hints),
    variant=st.sampled_from(["", "keep-fp 3", "keep-fp 3 +bf16", "+fp16 +throughput"]) | TEXT,
    options=st.dictionaries(TEXT, SCALAR, max_size=3),
    batch=st.integers(1, 256),
    label=TEXT,
    artifact=st.none() | TEXT,
    size_mb=st.none() | NUMBER,
    status=st.sampled_from(STATUSES),
    reason=TEXT,
    parity=st.none() | PARITY,
    gate=st.none() | GATE,
    latency=st.none() | st.builds(Latency, STATS, STATS, NUMBER, st.integers(0, 10**6), st.lists(NUMBER, max_size=3)),
    memory=st.none() | st.builds(Memory, NUMBER, st.none() | NUMBER),
    floor=st.none() | st.builds(Floor, NUMBER, st.none() | NUMBER, TEXT, st.none() | NUMBER, st.none() | TEXT),
    speedup_vs_torch_eager=st.none() | NUMBER,
    task=st.none() | TASK,
)


def _through_json(data: dict[str, Any]) -> Any:
    return json.loads(json.dumps(data, allow_nan=True))


@pytest.mark.slow
@fuzz(300)
@given(RECORD)
def test_any_record_is_read_back_as_written(record):
    assert BenchRecord.from_dict(_through_json(record.to_dict())) == record


@pytest.mark.slow
@fuzz(50)
@given(st.lists(RECORD, max_size=3))
def test_any_results_file_of_this_version_reads_back_as_written(records):
    results = BenchResults.from_dict(V2)
    results.records = records
    text = json.dumps(results.to_dict(), allow_nan=True)
    assert json.dumps(BenchResults.from_dict(json.loads(text)).to_dict(), allow_nan=True) == text


def read_or_refuse(data: Any) -> BenchResults | None:
    """The results of ``data``, or None after a one-line SchemaError (any other exception fails the test)."""
    try:
        return BenchResults.from_dict(data)
    except SchemaError as exc:
        assert "\n" not in str(exc) and str(exc)
        return None


@pytest.mark.slow
@fuzz(200)
@given(JSON, st.dictionaries(TEXT, JSON, max_size=6), st.sampled_from([1, 2]))
def test_garbage_is_refused_with_a_schema_error(anything, keys, version):
    assert read_or_refuse(anything) is None
    assert read_or_refuse({**keys, "schema": SCHEMA, "schema_version": version}) is None


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key and index path below ``value``."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    return [path for key, item in items for path in ((*prefix, key), *_paths(item, (*prefix, key)))]


def _mutated(data: Any, path: tuple[Any, ...], garbage: Any, delete: bool) -> Any:
    """A copy of ``data`` with the value at ``path`` deleted or replaced by ``garbage``."""
    data = copy.deepcopy(data)
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = garbage
    return data


@fuzz(400)
@given(st.sampled_from([V1, V2]).flatmap(lambda data: st.tuples(st.just(data), st.sampled_from(_paths(data)))),
       JSON, st.booleans())  # fmt: skip
@pytest.mark.slow
def test_a_damaged_results_file_reads_or_is_refused_in_one_line(chosen, garbage, delete):
    data, path = chosen
    read_or_refuse(_mutated(data, path, garbage, delete))
