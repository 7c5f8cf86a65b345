"""Work kept under a key of its inputs (``core.cache``): the key changes with every input and version."""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from ugatit_deploy.core import cache


@dataclass(frozen=True)
class _Options:
    images: int = 16
    folder: Path | None = None


def test_the_key_is_stable_for_the_same_inputs_in_any_order():
    one = cache.cache_key(checkpoint="ab", form="int8-cpu", options=_Options(), tags={"b": 2, "a": 1})
    two = cache.cache_key(options=_Options(), tags={"a": 1, "b": 2}, form="int8-cpu", checkpoint="ab")
    assert one == two and len(one) == 24


def test_the_key_changes_with_any_input():
    base = {"checkpoint": "ab", "form": "int8-cpu", "options": _Options()}
    keys = {cache.cache_key(**base), cache.cache_key(**{**base, "checkpoint": "ac"}),
            cache.cache_key(**{**base, "form": "int8"}), cache.cache_key(**{**base, "options": _Options(64)}),
            cache.cache_key(**{**base, "options": _Options(folder=Path("calib"))})}  # fmt: skip
    assert len(keys) == 5


def test_the_key_changes_with_the_package_or_a_runtime_version(monkeypatch):
    before = cache.cache_key(form="fp32")
    monkeypatch.setattr(cache, "runtime_versions", lambda: {"ugatit-deploy": "99.0", "torch": "2.13.0"})
    assert cache.cache_key(form="fp32") != before


def test_json_values_round_trip_and_a_damaged_one_reads_as_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("UGATIT_DEPLOY_CACHE", str(tmp_path))
    assert cache.read_json("peaks", "k") is None
    cache.write_json("peaks", "k", {"cpu-fp32": {"gflops": 12.5, "kernel": "x"}}, {"threads": 2})
    assert cache.read_json("peaks", "k") == {"cpu-fp32": {"gflops": 12.5, "kernel": "x"}}
    assert (tmp_path / "peaks" / "k" / "inputs.json").read_text().strip().startswith("{")
    (tmp_path / "peaks" / "k" / "value.json").write_text('{"cpu-fp32": ')
    assert cache.read_json("peaks", "k") is None



def test_arrays_round_trip_exactly_and_a_damaged_one_reads_as_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("UGATIT_DEPLOY_CACHE", str(tmp_path))
    value = np.random.default_rng(0).standard_normal((2, 3, 4, 4)).astype(np.float32)
    assert cache.read_array("reference", "k") is None
    cache.write_array("reference", "k", value, {"threads": 2})
    kept = cache.read_array("reference", "k")
    assert kept.dtype == np.float32 and np.array_equal(kept, value)
    (tmp_path / "reference" / "k" / "value.npy").write_bytes(b"\x93NUMPY garbage")
    assert cache.read_array("reference", "k") is None


def test_copied_files_replace_what_is_there(tmp_path):
    source = tmp_path / "cache" / "m.onnx"
    source.parent.mkdir()
    source.write_bytes(b"new")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "m.onnx").write_bytes(b"old")
    (copied,) = cache.copy_files([source], tmp_path / "out")
    assert copied.read_bytes() == b"new" and source.read_bytes() == b"new"


@pytest.mark.skipif(sys.platform == "win32", reason="no fcntl: the lock is a no-op on Windows")
def test_a_second_holder_of_an_entry_lock_waits_for_the_first(tmp_path, monkeypatch):
    monkeypatch.setenv("UGATIT_DEPLOY_CACHE", str(tmp_path))
    order: list[str] = []

    def second() -> None:
        with cache.locked("exports", "abc"):
            order.append("second")

    with cache.locked("exports", "abc"):
        waiting = threading.Thread(target=second)
        waiting.start()
        waiting.join(0.3)
        assert waiting.is_alive()  # blocked on the lock
        order.append("first")
    waiting.join(10)
    assert order == ["first", "second"]


def test_locks_of_other_entries_do_not_wait(tmp_path, monkeypatch):
    monkeypatch.setenv("UGATIT_DEPLOY_CACHE", str(tmp_path))
    with cache.locked("exports", "abc"), cache.locked("exports", "def"), cache.locked("peaks", "abc"):
        assert sorted(p.name for p in (tmp_path / "exports").iterdir()) == ["abc.lock", "def.lock"]
