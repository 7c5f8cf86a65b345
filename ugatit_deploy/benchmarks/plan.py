"""Bench stage 1, the plan: which backend runs which artifact at which precision with which options.

Pure: it reads the registry (``BACKENDS``: what each backend runs, its options, its modes, whether it
takes asymmetric INT8) and the prepared artifacts, and creates, exports, builds or loads nothing. A new
backend needs only its registry entry and runner module to be benchmarked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..backends import BACKENDS, BackendSpec, Mode
from ..formats import CHECKPOINT
from ..forms import FORMS, Labelled, join_hints
from .records import UNSUPPORTED
from .settings import BenchSettings


@dataclass(frozen=True)
class Artifact:
    """A model file of one kind (``BackendSpec.runs``: checkpoint, onnx, engine) and its graph form.
    ``path`` is None when it could not be made; ``problem`` then says why as (status, reason)."""

    kind: str
    path: Path | None
    precision: str  # the file's graph form (``forms.FORMS``), as its metadata records it
    variant: str = ""  # "keep-fp N" (from the file's metadata)
    problem: tuple[str, str] | None = None


@dataclass(frozen=True)
class PreparedArtifacts:
    """What the prepare stage produced or was given, in order."""

    items: tuple[Artifact, ...] = ()

    def of_kind(self, kind: str) -> tuple[Artifact, ...]:
        return tuple(item for item in self.items if item.kind == kind)


@dataclass(frozen=True)
class Case(Labelled):
    """One backend x artifact x mode to measure: what ``create_backend(backend, artifact, **options)`` gets.
    ``problem`` (status, reason) is decided before anything runs: the case becomes records without running."""

    backend: str
    device: str
    artifact: Path | None
    form: str
    options: Mapping[str, Any] = field(default_factory=dict)
    file_variant: str = ""
    problem: tuple[str, str] | None = None
    compute: str = ""  # the mode's compute hints (``forms.join_hints``)

    @property
    def label(self) -> str:
        """What the table calls a case no runner describes (the runner's own label wins when there is one)."""
        return " ".join(filter(None, (self.backend, self.precision, self.variant)))


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
        return (UNSUPPORTED, FORMS[artifact.precision].not_for_tensorrt)
    return None


def tensorrt_takes(form: str) -> bool:
    """Whether TensorRT builds a graph of this form (unknown names: let the runner decide)."""
    return form not in FORMS or FORMS[form].tensorrt


def what_can_win(settings: BenchSettings) -> tuple[BenchSettings, list[str]]:
    """The settings narrowed to what can be the answer on this machine, and one line per part left out with
    why: backends that cannot run here (no CUDA device, a runtime missing) or are never chosen (MNN), and
    graph forms that no remaining device can win with (``GraphForm.candidate_on``). PyTorch eager always
    stays: it is every speed-up's baseline. ``settings.everything`` (``bench --all``) keeps it all."""
    if settings.everything:
        return settings, []
    not_run: list[str] = []
    kept: list[str] = []
    for name in settings.backends:
        spec = BACKENDS[name]
        if reason := spec.unavailable_here():
            not_run.append(f"{name}: {reason}")
        elif spec.not_chosen and spec.runs != CHECKPOINT:
            not_run.append(f"{name}: never chosen ({spec.not_chosen})")
        else:
            kept.append(name)
    devices = sorted({BACKENDS[name].device for name in kept if BACKENDS[name].runs != CHECKPOINT})
    if settings.onnx or not devices:  # files given, or nothing left that runs an exported file: no export to narrow
        return replace(settings, backends=tuple(kept)), not_run
    forms = tuple(f for f in settings.export_precisions if any(FORMS[f].candidate_on(d) for d in devices))
    not_run += _forms_left_out([f for f in settings.export_precisions if f not in forms and f in FORMS], devices)
    return replace(settings, backends=tuple(kept), export_precisions=forms), not_run


def _forms_left_out(left: Sequence[str], devices: Sequence[str]) -> list[str]:
    """One line per group of forms left out for the same reason (a machine's own reason in brackets)."""
    groups: dict[str, list[str]] = {}
    for form in left:
        # a CPU candidate left out on this machine says why; the others are never CPU candidates
        own = [r for d in devices if d == "cpu" and FORMS[form].cpu_candidate
               and (r := FORMS[form].not_candidate_reason(d))]  # fmt: skip
        groups.setdefault(f" ({'; '.join(own)})" if own else "", []).append(form)
    where = " and ".join(devices)
    return [f"{', '.join(forms)}: cannot be the fastest passing mode on {where} here{why}"
            for why, forms in groups.items()]  # fmt: skip


def plan_cases(settings: BenchSettings, artifacts: PreparedArtifacts) -> list[Case]:
    """Every asked-for backend (in registry order) x each artifact of the kind it runs x each of its modes
    that applies to the artifact's form and to one of the batch sizes."""
    cases = []
    for spec in (BACKENDS[name] for name in BACKENDS if name in settings.backends):
        for artifact in artifacts.of_kind(spec.runs):
            for mode in spec.modes:
                if not mode.runs(artifact.precision) or mode.min_batch > max(settings.batches):
                    continue
                options = runner_options(spec, mode, settings)
                cases.append(Case(spec.name, spec.device, artifact.path, artifact.precision, options,
                                  artifact.variant, _problem(spec, artifact), join_hints(mode.compute)))  # fmt: skip
    return cases
