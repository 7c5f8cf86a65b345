"""Bench stage 1, the plan: which backend runs which artifact at which precision with which options.

Pure: it reads the registry (``BACKENDS``: what each backend runs, its options, its modes, whether it
takes asymmetric INT8) and the prepared artifacts, and creates, exports, builds or loads nothing. A new
backend needs only its registry entry and runner module to be benchmarked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..backends import BACKENDS, BackendSpec, Mode
from ..core.precisions import INT8_PRECISIONS, PRECISION_NAMES, get_precision
from .records import UNSUPPORTED
from .settings import BenchSettings

SYMMETRIC_INT8_ONLY = "uint8 zero points: TensorRT takes symmetric int8 Q/DQ only"
# Runner options that set the precision a mode computes in (torch's autocast, OpenVINO's hint).
PRECISION_OPTIONS = ("precision", "inference_precision")


@dataclass(frozen=True)
class Artifact:
    """A model file of one kind (``BackendSpec.runs``: checkpoint, onnx, engine) and its precision.
    ``path`` is None when it could not be made; ``problem`` then says why as (status, reason)."""

    kind: str
    path: Path | None
    precision: str
    variant: str = ""  # "keep-fp N" (from the file's metadata)
    problem: tuple[str, str] | None = None


@dataclass(frozen=True)
class PreparedArtifacts:
    """What the prepare stage produced or was given, in order."""

    items: tuple[Artifact, ...] = ()

    def of_kind(self, kind: str) -> tuple[Artifact, ...]:
        return tuple(item for item in self.items if item.kind == kind)


@dataclass(frozen=True)
class Case:
    """One backend x artifact x mode to measure: what ``create_backend(backend, artifact, **options)`` gets.
    ``problem`` (status, reason) is decided before anything runs: the case becomes records without running."""

    backend: str
    device: str
    artifact: Path | None
    precision: str
    options: Mapping[str, Any] = field(default_factory=dict)
    variant: str = ""
    problem: tuple[str, str] | None = None

    @property
    def label(self) -> str:
        """What the table calls a case no runner describes (the runner's own label wins when there is one)."""
        return " ".join(filter(None, (self.backend, self.precision, self.variant)))


def mode_compute(mode: Mode) -> str | None:
    """The compute precision a mode's options set (torch's autocast, OpenVINO's hint), None if none."""
    return next((str(mode.options[key]) for key in PRECISION_OPTIONS if key in mode.options), None)


def mode_precision(mode: Mode, artifact: Artifact) -> str:
    """The precision a case is recorded (and gated) at: an INT8 file's own, whatever its float layers compute
    in; else the one the mode's options set, else the artifact's."""
    if artifact.precision in INT8_PRECISIONS:
        return artifact.precision
    return mode_compute(mode) or artifact.precision


def mode_variant(mode: Mode, artifact: Artifact) -> str:
    """The artifact's variant, with ``+bf16`` after it where a mode computes an INT8 file's float layers in
    another precision than the file's (as the runner's label says it)."""
    compute = mode_compute(mode)
    hidden = compute not in (None, "fp32", mode_precision(mode, artifact))  # set, yet not the recorded precision
    return " ".join(filter(None, (artifact.variant, f"+{compute}" if hidden else "")))


def runner_options(spec: BackendSpec, mode: Mode, settings: BenchSettings) -> dict[str, Any]:
    """The mode's options, with the run's settings for the options this backend takes: ``threads`` for
    those that list it, ``direction`` for checkpoint runners."""
    options = dict(mode.options)
    if settings.threads and "threads" in spec.options:
        options["threads"] = settings.threads
    if spec.runs == "checkpoint" and "direction" in spec.options:
        options["direction"] = settings.direction
    return options


def _problem(spec: BackendSpec, artifact: Artifact) -> tuple[str, str] | None:
    if artifact.problem is not None:
        return artifact.problem
    if spec.symmetric_int8_only and not tensorrt_takes(artifact.precision):
        return (UNSUPPORTED, SYMMETRIC_INT8_ONLY)
    return None


def tensorrt_takes(precision: str) -> bool:
    """Whether TensorRT builds a graph of this precision (unknown precisions: let the runner decide)."""
    return precision not in PRECISION_NAMES or get_precision(precision).tensorrt


def plan_cases(settings: BenchSettings, artifacts: PreparedArtifacts) -> list[Case]:
    """Every asked-for backend (in registry order) x each artifact of the kind it runs x each of its modes
    that applies to the artifact's precision."""
    cases = []
    for spec in (BACKENDS[name] for name in BACKENDS if name in settings.backends):
        for artifact in artifacts.of_kind(spec.runs):
            for mode in spec.modes:
                if mode.for_precisions and artifact.precision not in mode.for_precisions:
                    continue
                options = runner_options(spec, mode, settings)
                precision = mode_precision(mode, artifact)
                problem = _problem(spec, artifact)
                variant = mode_variant(mode, artifact)
                cases.append(Case(spec.name, spec.device, artifact.path, precision, options, variant, problem))
    return cases
