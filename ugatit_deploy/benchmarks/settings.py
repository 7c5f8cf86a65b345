"""What a ``ugatit-deploy bench`` run is asked to do: ``BenchSettings``, shared by every stage.

Settings also travel as JSON (``to_dict`` / ``from_dict``, ``write_settings`` / ``read_settings``): ``bench
--isa`` hands each CPU class's child process its run that way. The codec follows the fields' types (paths as
strings, sequences as arrays, gates and INT8 options as objects of their fields); reading checks every value
against its field's type and the options' own rules, and names the first problem in one line (BenchError).
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Sequence
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..backends import BACKENDS
from ..backends.registry import DEFAULT_BACKENDS
from ..core.errors import UgatitDeployError
from ..core.fileio import atomic_output
from ..core.gates import Gate
from ..forms import FORMS
from ..forms.transforms.int8_options import Int8Options

SETTINGS_SCHEMA = "ugatit-deploy/bench-settings"
# Timed runs of one batch per round stop after this many seconds (at least ``latency.MIN_TIMED_RUNS`` runs): the
# built-in model's 20 runs take about 1 s, a 256 px official generator's about 15 s on 2 cores.
DEFAULT_MAX_TIME = 3.0
SETTINGS_SCHEMA_VERSION = 1


class BenchError(UgatitDeployError):
    """A benchmark that cannot run as asked."""


@dataclass
class BenchSettings:
    checkpoint: Path
    direction: str = "a2b"
    onnx: Sequence[Path] = ()  # default: export ``export_precisions`` into OUT/onnx
    engines: Sequence[Path] = ()  # default: build the ONNX files into OUT/engines when TensorRT is here
    backends: Sequence[str] = DEFAULT_BACKENDS  # all but the browser's (asked for by name)
    images: Path | None = None
    batches: Sequence[int] = (1,)
    size: int | None = None  # default: the model's img_size
    warmup: int = 3
    iters: int = 20
    rounds: int = 1  # timing rounds over all backends; each times ``iters`` runs after ``warmup``
    max_time: float = DEFAULT_MAX_TIME  # seconds: a round's timed runs of one batch stop after this long (0: never)
    threads: int | None = None  # per runner (those whose registry entry takes ``threads``) and the matmul peak
    out: Path = Path("bench")
    gates: dict[str, Gate] = field(default_factory=dict)  # --gate: moves the defaults, decides the exit code
    export_precisions: Sequence[str] = field(default_factory=lambda: tuple(FORMS))  # every graph form
    int8: Int8Options = field(default_factory=Int8Options)  # calibration / --keep-fp when bench exports INT8
    command: str = ""  # the command line that reproduces the run, recorded in the results
    peaks: bool = True  # measure the matmul peaks (the floor); the fast path skips them
    everything: bool = False  # bench --all: every backend, form and mode, also what cannot win here

    def check(self) -> None:
        """BenchError for values no stage can run with."""
        if unknown := [name for name in self.backends if name not in BACKENDS]:
            raise BenchError(f"unknown backend {unknown[0]!r}: use {', '.join(BACKENDS)}")
        if any(b < 1 for b in self.batches):
            raise BenchError(f"--batch values must be >= 1, got {list(self.batches)}")
        if self.warmup < 0 or self.iters < 1 or self.rounds < 1:
            raise BenchError("--warmup must be >= 0, --iters and --rounds >= 1")
        if not self.max_time >= 0:  # NaN too
            raise BenchError(f"--max-time must be >= 0 seconds, got {self.max_time}")

    def to_dict(self) -> dict[str, Any]:
        """The JSON value: the schema, then every field (paths as strings, sequences as arrays)."""
        return {"schema": SETTINGS_SCHEMA, "schema_version": SETTINGS_SCHEMA_VERSION,
                **{f.name: _encode(getattr(self, f.name)) for f in fields(self)}}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Any) -> BenchSettings:
        """Settings from ``to_dict``'s value; BenchError (one line) naming the first value that does not fit."""
        if not isinstance(data, dict):
            raise BenchError(f"bench settings: expected an object, got {_json_type(data)}")
        if data.get("schema") != SETTINGS_SCHEMA:
            raise BenchError(f"bench settings: schema {_short(data.get('schema'))}, expected {SETTINGS_SCHEMA!r}")
        version = data.get("schema_version")
        if isinstance(version, bool) or version != SETTINGS_SCHEMA_VERSION:
            raise BenchError(f"bench settings: schema_version {_short(version)}: this "
                             f"ugatit-deploy reads {SETTINGS_SCHEMA_VERSION}")  # fmt: skip
        body = {key: value for key, value in data.items() if key not in ("schema", "schema_version")}
        return _decode_dataclass(cls, body, "settings")


def settings_from_json(text: str | bytes) -> BenchSettings:
    """Settings from JSON text (``write_settings``'s); BenchError (one line) for anything else."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, bad UTF-8, nesting too deep
        raise BenchError(f"bench settings: not JSON: {_one_line(exc)}") from None
    return BenchSettings.from_dict(data)


def read_settings(path: Path) -> BenchSettings:
    """Settings from a file ``write_settings`` wrote."""
    try:
        text = Path(path).read_bytes()
    except OSError as exc:
        raise BenchError(f"bench settings {path}: {exc.strerror or exc}") from None
    try:
        return settings_from_json(text)
    except BenchError as exc:
        raise BenchError(f"{path}: {exc}") from None


def write_settings(settings: BenchSettings, path: Path) -> Path:
    """``settings`` as JSON at ``path``, written atomically."""
    with atomic_output(path) as handle:
        handle.write((json.dumps(settings.to_dict(), indent=2, allow_nan=True) + "\n").encode())
    return path


def _encode(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(key): _encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    return value


def _json_type(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "bool", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _short(value: Any) -> str:
    text = repr(value)  # a repr never spans lines
    return text if len(text) <= 60 else f"{text[:57]}..."


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode_dataclass(cls: type, value: Any, where: str) -> Any:
    """A dataclass from an object of its fields (missing ones take their defaults; unknown ones are refused)."""
    if not isinstance(value, dict):
        raise BenchError(f"{where}: expected an object, got {_json_type(value)}")
    hints, known = _hints(cls), {f.name: f for f in fields(cls) if f.init}
    if unknown := [key for key in value if key not in known]:
        raise BenchError(f"{where}: unknown field {_short(unknown[0])}")
    values = {}
    for name, spec in known.items():
        if name in value:
            values[name] = _decode(hints[name], value[name], f"{where}.{name}")
        elif spec.default is MISSING and spec.default_factory is MISSING:
            raise BenchError(f"{where}.{name}: missing")
    try:
        return cls(**values)
    except UgatitDeployError as exc:  # the type's own rules (e.g. QuantRecipe's percentile range)
        raise BenchError(f"{where}: {_one_line(exc)}") from None


def _decode(kind: Any, value: Any, where: str) -> Any:
    """``value`` as ``kind`` (a field's resolved type), or BenchError naming ``where``."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = (arg for arg in args if arg is not type(None))
        return _decode(inner, value, where)
    if is_dataclass(kind):
        return _decode_dataclass(kind, value, where)
    if origin in (tuple, list, Sequence):
        if not isinstance(value, list):
            raise BenchError(f"{where}: expected an array, got {_json_type(value)}")
        return tuple(_decode(args[0], item, f"{where}[{index}]") for index, item in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise BenchError(f"{where}: expected an object, got {_json_type(value)}")
        return {key: _decode(args[1], item, f"{where}[{_short(key)}]") for key, item in value.items()}
    if kind is Path:
        text = _decode(str, value, where)
        if not text or "\0" in text:
            raise BenchError(f"{where}: not a path: {_short(text)}")
        return Path(text)
    expected = {float: (int, float), int: (int,), str: (str,), bool: (bool,)}[kind]
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, expected):
        raise BenchError(f"{where}: expected {kind.__name__}, got {_json_type(value)} {_short(value)}")
    if kind is float and isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            raise BenchError(f"{where}: {_short(value)} is out of a float's range") from None
    return value
