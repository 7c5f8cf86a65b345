"""Resource limits checked before the allocation they bound: the largest image a reader decodes (from the
file's header, before decoding) and the largest model a sidecar or graph may declare.

The one definition is ``limits.json`` beside this module: the C++ runner's build reads the same file
(cpp/CMakeLists.txt), and both read the same environment variables, so ``UGATIT_MAX_IMAGE_PIXELS=...``
raises a limit for ``ugatit-deploy``, ``serve`` (its model processes inherit the environment) and
``ugatit-infer`` alike. The commands' ``--max-...`` options set those variables for their own process.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

from .errors import UgatitDeployError

DEFINITION = Path(__file__).with_name("limits.json")


class LimitError(UgatitDeployError):
    """An input over a resource limit (the message names the limit and how to raise it)."""


@dataclass(frozen=True)
class LimitSpec:
    """One limit of ``limits.json``: its name, default, environment variable, option and what it bounds."""

    name: str
    default: int
    env: str
    option: str
    what: str

    @property
    def how_to_raise(self) -> str:
        return f"raise it with {self.option} or {self.env}"


@cache
def limit_specs() -> dict[str, LimitSpec]:
    """The limits of ``limits.json``, by name."""
    table = json.loads(DEFINITION.read_text())["limits"]
    return {entry["name"]: LimitSpec(**entry) for entry in table}


@dataclass(frozen=True)
class Limits:
    """The limits in force: ``limits.json``'s defaults, moved by the environment (``current``)."""

    max_image_pixels: int
    max_image_side: int
    max_model_size: int
    max_batch: int

    @classmethod
    def defaults(cls) -> Limits:
        return cls(**{name: spec.default for name, spec in limit_specs().items()})

    @classmethod
    def current(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The defaults, each replaced by its environment variable where set (LimitError if not a positive int)."""
        environ = os.environ if environ is None else environ
        values = {}
        for name, spec in limit_specs().items():
            text = environ.get(spec.env)
            values[name] = spec.default if text is None or not text.strip() else parse_limit(spec, text)
        return cls(**values)

    def check_image(self, width: int, height: int, what: str) -> None:
        """LimitError when an image's header declares more pixels, or a longer side, than allowed."""
        specs = limit_specs()
        if max(width, height) > self.max_image_side:
            raise LimitError(f"{what} is {width} x {height}: a side over the limit of {self.max_image_side:,} "
                             f"pixels ({specs['max_image_side'].how_to_raise})")  # fmt: skip
        if width * height > self.max_image_pixels:
            raise LimitError(
                f"{what} is {width} x {height} ({width * height:,} pixels): over the limit of "
                f"{self.max_image_pixels:,} pixels ({specs['max_image_pixels'].how_to_raise})"
            )

    def check_model_size(self, size: int, what: str) -> None:
        """LimitError when a model declares an image size over ``max_model_size`` (or not a positive size)."""
        self._check_declared("max_model_size", "size", size, what)

    def check_batch(self, batch: int, what: str) -> None:
        """LimitError when a model declares a batch over ``max_batch`` (or not a positive batch)."""
        self._check_declared("max_batch", "batch", batch, what)

    def _check_declared(self, name: str, noun: str, value: int, what: str) -> None:
        limit = getattr(self, name)
        if value < 1:
            raise LimitError(f"{what} must be a positive {noun}, got {value}")
        if value > limit:
            raise LimitError(f"{what} is {value}: over the limit of {limit} ({limit_specs()[name].how_to_raise})")

    def environment(self) -> dict[str, str]:
        """These limits as the environment variables that carry them to other processes."""
        specs = limit_specs()
        return {specs[f.name].env: str(getattr(self, f.name)) for f in fields(self)}


def parse_limit(spec: LimitSpec, text: str) -> int:
    """A limit's value from an option or environment variable: a positive integer (``100_000_000`` and
    ``1e8`` spellings accepted), else LimitError naming where it came from."""
    cleaned = text.strip().replace("_", "").replace(",", "")
    try:
        value = int(cleaned) if cleaned.lstrip("+").isdigit() else int(float(cleaned))
    except (ValueError, OverflowError):
        raise LimitError(f"{spec.env} / {spec.option} must be a positive integer, got {text[:40]!r}") from None
    if value < 1 or float(cleaned) != value:
        raise LimitError(f"{spec.env} / {spec.option} must be a positive integer, got {text[:40]!r}")
    return value


def apply_limits(**values: int | None) -> None:
    """Set the limits given (by name, None: leave as is) for this process and the processes it starts."""
    specs = limit_specs()
    for name, value in values.items():
        if value is None:
            continue
        if name not in specs:
            raise ValueError(f"unknown limit {name!r}")
        if value < 1:
            raise LimitError(f"{specs[name].option} must be a positive integer, got {value}")
        os.environ[specs[name].env] = str(value)
