"""Typed JSON records: dataclasses that read from and write to plain JSON values, key for key.

``to_dict`` writes the fields in their declared order, leaving out optional fields (default None) that
are None; ``from_dict`` checks every value against the field's type and names the first problem with its
path (``model.img_size: expected int, got str``). Arrays are read into the declared tuple or list. Numbers
keep the type they were written with (an int where a float is declared stays an int), and a record as read
writes back the keys it was read with, in their order, so a record read and written again is the same JSON
text whatever version wrote it (a changed copy, ``dataclasses.replace``, is written in the declared order).
The metadata sidecar (``core.metadata``) is built on this; the bench records (``benchmarks.codec``) read
their values with ``read_value``.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, fields
from functools import cache
from typing import Any, ClassVar, Self, Union

from .errors import UgatitDeployError


class RecordError(UgatitDeployError, ValueError):
    """A JSON value that does not fit its record: a missing key, a wrong type."""


def _type_name(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "bool", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def read_value(kind: Any, value: Any, where: str) -> Any:
    """``value`` as ``kind`` (a field's resolved type), or RecordError naming ``where``."""
    origin = typing.get_origin(kind)
    if origin in (Union, types.UnionType):
        options = typing.get_args(kind)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in (o for o in options if o is not type(None)):
            try:
                return read_value(option, value, where)
            except RecordError as exc:
                errors.append(str(exc))
        raise RecordError(errors[0] if len(errors) == 1 else f"{where}: unexpected {_type_name(value)} {value!r}")
    if kind is Any:
        return value
    if isinstance(kind, type) and hasattr(kind, "from_dict"):
        return kind.from_dict(value, where)
    if origin in (tuple, list):
        item = typing.get_args(kind)[0]
        if not isinstance(value, list):
            raise RecordError(f"{where}: expected an array, got {_type_name(value)}")
        return origin(read_value(item, v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin in (dict, Mapping):
        item = typing.get_args(kind)[1]
        if not isinstance(value, dict):
            raise RecordError(f"{where}: expected an object, got {_type_name(value)}")
        return {str(k): read_value(item, v, f"{where}.{k}") for k, v in value.items()}
    expected = {float: (int, float), int: (int,), str: (str,), bool: (bool,)}[kind]
    if isinstance(value, bool) and kind is not bool or not isinstance(value, expected):
        raise RecordError(f"{where}: expected {kind.__name__}, got {_type_name(value)} {value!r}"[:200])
    return value


def _write(value: Any) -> Any:
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, tuple | list):
        return [_write(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _write(v) for k, v in value.items()}
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


class JsonRecord:
    """Mixin for frozen dataclasses whose fields are JSON values or other records."""

    _not_written: ClassVar[tuple[str, ...]] = ()  # fields a subclass writes its own way

    def to_dict(self) -> dict[str, Any]:
        read = getattr(self, "_read_keys", None)  # a record as read: the same keys in the same order
        chosen = [f for f in fields(self) if f.name not in self._not_written]  # type: ignore[arg-type]
        if read is not None:
            by_name = {f.name: f for f in chosen}
            chosen = [by_name[name] for name in read if name in by_name]
        out = {}
        for f in chosen:
            value = getattr(self, f.name)
            if value is None and f.default is None and read is None:
                continue
            out[f.name] = _write(value)
        return out

    @classmethod
    def from_dict(cls, data: Any, where: str = "") -> Self:
        if not isinstance(data, Mapping):
            raise RecordError(f"{where or cls.__name__}: expected an object, got {_type_name(data)}")
        hints, values = _hints(cls), {}
        for f in fields(cls):  # type: ignore[arg-type]
            path = f"{where}.{f.name}" if where else f.name
            if f.name in data:
                values[f.name] = read_value(hints[f.name], data[f.name], path)
            elif f.default is MISSING and f.default_factory is MISSING:
                raise RecordError(f"{path}: missing")
        record = cls(**values)
        object.__setattr__(record, "_read_keys", tuple(key for key in data if key in values))
        return record
