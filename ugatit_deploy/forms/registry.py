"""The graph forms, defined once (``FORMS``), and what follows from them and the compute hints: the names
``--precision`` and ``--gate`` take, the default gates, and the label of a run (``label``).

Adding a form is one module with a ``GraphForm`` subclass and its instance in ``_FORMS`` below.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from ..core.errors import UgatitDeployError
from ..core.gates import Gate, GateError
from .base import GraphForm
from .compute import COMPUTE_HINTS, hints_of
from .fp16 import Fp16
from .fp32 import Fp32
from .fp32_int8x3 import Fp32Int8x3
from .fp32_winograd import Fp32Winograd
from .int8 import Int8
from .int8_cpu import Int8Cpu

_FORMS: dict[str, GraphForm] = {form.name: form for form in (Fp32(), Fp32Winograd(), Fp32Int8x3(), Fp16(), Int8(),
                                                             Int8Cpu())}  # fmt: skip
FORMS: Mapping[str, GraphForm] = MappingProxyType(_FORMS)  # read-only; always the current entries
REFERENCE_FORM = "fp32"  # what a checkpoint runs as, and what every other form is judged against


class PrecisionError(UgatitDeployError):
    """A form or precision name ugatit-deploy does not know."""


def get_form(name: str) -> GraphForm:
    if name not in FORMS:
        raise PrecisionError(f"unknown precision {name!r}: use {', '.join(FORMS)}")
    return FORMS[name]


def forms_where(**declared: object) -> tuple[str, ...]:
    """The names of the forms whose attributes have these values, in registry order
    (``forms_where(tensorrt=True)``)."""
    return tuple(f.name for f in FORMS.values() if all(getattr(f, key) == value for key, value in declared.items()))


def label_names() -> tuple[str, ...]:
    """Every name a run can be labelled and gated with: the forms, then the hints that change arithmetic."""
    return (*FORMS, *(h.name for h in COMPUTE_HINTS.values() if h.kernel and h.name not in FORMS))


def lossy_labels() -> tuple[str, ...]:
    """The labels judged in image terms (not FP32-grade): lossy forms and the arithmetic compute hints."""
    return tuple(name for name in label_names() if not (name in FORMS and FORMS[name].fp32_grade))


def label(form: str, compute: str = "") -> tuple[str, str]:
    """(precision, variant suffix) of a run of ``form`` under the ``compute`` hints: a hint that changes the
    arithmetic names the run (fp32 + bf16 -> ``bf16``), except on a form whose convolutions run on INT8
    kernels, which keeps its name and gate, the hint going after its variant (int8-cpu + bf16 -> ``int8-cpu``,
    ``+bf16``). A name that is no form (an unreadable file's ``?``) stays as it is."""
    arithmetic = [hint for hint in hints_of(compute) if hint.kernel]
    if not arithmetic or form not in FORMS:
        return form, ""
    if FORMS[form].kernel == "int8":
        return form, " ".join(f"+{hint.name}" for hint in arithmetic)
    return arithmetic[0].name, ""


class Labelled:
    """A run's label read off its ``form``, ``compute`` and ``file_variant`` attributes (``label``)."""

    form: str
    compute: str
    file_variant: str

    @property
    def precision(self) -> str:
        """The run's name: the form's, or the arithmetic hint's on a float form."""
        return label(self.form, self.compute)[0]

    @property
    def variant(self) -> str:
        """The file's variant, with a hint that does not name the run after it (``keep-fp 6 +bf16``)."""
        return " ".join(filter(None, (self.file_variant, label(self.form, self.compute)[1])))


def kernel_of(form: str, compute: str = "") -> str:
    """The arithmetic of a run's convolutions (``base.KERNELS``): the form's INT8, else a hint's, else the form's."""
    own = FORMS[form].kernel if form in FORMS else "fp32"
    hinted = [hint.kernel for hint in hints_of(compute) if hint.kernel]
    return own if own == "int8" or not hinted else str(hinted[0])


def parse_forms(values: str | Sequence[str]) -> tuple[str, ...]:
    """``"fp32,fp16"`` / repeated values / ``all`` -> form names in the given order, no repeats."""
    items = [values] if isinstance(values, str) else list(values)
    chosen: list[str] = []
    for item in (part.strip().lower() for value in items for part in value.split(",")):
        if not item:
            continue
        for name in FORMS if item == "all" else (item,):
            if name not in FORMS:
                raise PrecisionError(f"{name!r}: use {', '.join(FORMS)} or all")
            if name not in chosen:
                chosen.append(name)
    return tuple(chosen)


def forms_help() -> str:
    """One line per form, for --help texts."""
    return "; ".join(f"{form.name}: {form.summary}" for form in FORMS.values())


def default_gates() -> dict[str, Gate]:
    """The default gate of every label: each form's, and each arithmetic compute hint's."""
    gates = {hint.name: hint.gate for hint in COMPUTE_HINTS.values() if hint.gate is not None}
    return {**gates, **{form.name: form.gate for form in FORMS.values()}}


def parse_gates(spec: str) -> dict[str, Gate]:
    """``"fp32:maxabs=1e-4,fp16:psnr=50,int8:psnr=30"`` -> {label: Gate} with only the metrics given.
    Several metrics of one label are joined with ``+`` (``fp16:psnr=50+ssim=0.99``) or given as separate
    items. Apply them with ``gates_with``."""
    names = label_names()
    given: dict[str, dict[str, float]] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        match = re.fullmatch(r"([a-z0-9-]+):(.+)", item)
        if not match or match.group(1) not in names:
            raise GateError(f"gate {item!r}: expected PRECISION:METRIC=VALUE with PRECISION one of {', '.join(names)}")
        given.setdefault(match.group(1), {}).update(Gate.parse_terms(match.group(2), item))
    if not given:
        raise GateError("empty --gate: give e.g. fp32:maxabs=1e-4,int8:psnr=30")
    return {name: Gate(**values) for name, values in given.items()}


def gates_with(overrides: Mapping[str, Gate] | None = None) -> dict[str, Gate]:
    """Every label's default gate, moved by ``overrides`` (from ``parse_gates``)."""
    overrides = overrides or {}
    return {name: gate.moved_by(overrides.get(name)) for name, gate in default_gates().items()}


def default_gates_help() -> str:
    """The default gates in ``--gate`` syntax, for --help texts."""
    return ", ".join(gate.spec(name) for name, gate in default_gates().items())
