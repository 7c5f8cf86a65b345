"""Values a process makes once and keeps, the last few (``core.memo``)."""

from __future__ import annotations

from collections import OrderedDict

from ugatit_deploy.core.memo import kept


def test_a_kept_value_is_made_once():
    store, made = OrderedDict(), []
    for _ in range(3):
        assert kept(store, "a", lambda: made.append(1) or "A", keep=2) == "A"
    assert made == [1]


def test_beyond_keep_the_least_recently_used_goes():
    store = OrderedDict()
    kept(store, "a", lambda: 1, keep=2)
    kept(store, "b", lambda: 2, keep=2)
    kept(store, "a", lambda: 0, keep=2)  # used again: b is now the oldest
    kept(store, "c", lambda: 3, keep=2)
    assert list(store) == ["a", "c"] and store["a"] == 1
