"""The codec of the bench records (``records``): a dataclass <-> JSON dict, one key per field in field order.

``to_dict`` writes every field, None as null; ``from_dict`` reads every key, checks each value against the
field's type (``core.jsonrecord.read_value``, which names the first problem with its path) and refuses a
missing key or one no field names. The exceptions are declared once, on the field, by its metadata:

- ``OPTIONAL`` (``optional()``): absent from the dict when None, None when absent;
- ``REST``: a ``dict[str, Any]`` field that takes the keys no other field names, as read, and writes them
  where it stands (the parity measures of a newer bench);
- ``DERIVED``: a value the class derives in ``__post_init__`` from the other fields (from its given value,
  if it is an init field): it is written, and the value read must be the one derived, or RecordError.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import Field, field, fields
from functools import cache
from types import MappingProxyType
from typing import Any, Self

from ..core.jsonrecord import RecordError, read_value

OPTIONAL = MappingProxyType({"optional": True})
REST = MappingProxyType({"rest": True})
DERIVED = MappingProxyType({"derived": True})


def optional() -> Any:
    """An optional field: default None, absent from the dict when None."""
    return field(default=None, metadata=OPTIONAL)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _write(value: Any) -> Any:
    if hasattr(value, "to_dict"):  # a record of this codec or of ``core.jsonrecord`` (the task score)
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [_write(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _write(item) for key, item in value.items()}
    return value


def _path(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


class JsonCodec:
    """Mixin of a dataclass whose fields are JSON values or other records (see the module docstring)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.metadata.get("rest"):
                out |= {key: _write(item) for key, item in value.items()}
            elif value is not None or not f.metadata.get("optional"):
                out[f.name] = _write(value)
        return out

    @classmethod
    def from_dict(cls, data: Any, where: str = "") -> Self:
        """The record of ``data``; RecordError naming the first key that does not fit."""
        if not isinstance(data, Mapping):
            raise RecordError(f"{where or cls.__name__}: expected an object, got {type(data).__name__}")
        known: tuple[Field[Any], ...] = fields(cls)  # type: ignore[arg-type]
        rest = next((f.name for f in known if f.metadata.get("rest")), None)
        names = {f.name for f in known}
        if rest is None and (unknown := [key for key in data if key not in names]):
            raise RecordError(f"{_path(where, str(unknown[0]))}: unknown key")
        values: dict[str, Any] = {}
        for f in known:
            path = _path(where, f.name)
            if f.name == rest:
                values[f.name] = {key: value for key, value in data.items() if key not in names}
            elif f.name not in data:
                if not f.metadata.get("optional"):
                    raise RecordError(f"{path}: missing")
            elif f.init:
                values[f.name] = read_value(_hints(cls)[f.name], data[f.name], path)
        record = cls(**values)
        for f in (f for f in known if f.metadata.get("derived") and f.name in data):
            if getattr(record, f.name) != data[f.name]:
                raise RecordError(f"{_path(where, f.name)}: {data[f.name]!r}, but the record's fields make it "
                                  f"{getattr(record, f.name)!r}")  # fmt: skip
        return record
