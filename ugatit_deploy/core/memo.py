"""Values one process makes once and keeps, the last few of each kind: ``kept(store, key, make, keep)``."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

Value = TypeVar("Value")


def kept(store: OrderedDict[Hashable, Value], key: Hashable, make: Callable[[], Value], keep: int) -> Value:
    """``store[key]``, made first when it is not there; beyond ``keep`` entries the least recently used goes."""
    if key in store:
        store.move_to_end(key)
        return store[key]
    value = store[key] = make()
    while len(store) > keep:
        store.popitem(last=False)
    return value
