"""The generated reference (``ugatit-deploy info --reference``, committed as docs/reference.md): the graph forms
and their gates, the compute hints, the formats, the backends and their modes, the sidecar fields and the
bench results fields, each table read from the registry or the dataclass that defines it, so the page
cannot drift from the code (tests/cli/test_reference.py)."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterable, Sequence

HEADER = """# Reference

Generated from the code by `ugatit-deploy info --reference > docs/reference.md`; a test fails when it
drifts. How to use these: [export.md](export.md), [benchmarks.md](benchmarks.md),
[architecture.md](architecture.md).
"""


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


def forms_section() -> str:
    from ..forms import FORMS

    rows = [(f"`{f.name}`", f.summary, f"`{f.gate.spec(f.name)}`", f.kernel, _yes(f.fp32_grade), _yes(f.calibrated),
             _yes(f.float_layers), _yes(f.fixed_size), _yes(f.tensorrt), ", ".join(f.computes),
             _yes(f.cpu_candidate) + (" (with VNNI or AMX)" if f.needs_int8_dot else ""))
            for f in FORMS.values()]  # fmt: skip
    header = ("form", "what it is", "default gate", "kernel", "FP32-grade", "calibrated", "--keep-fp", "fixed size",
              "TensorRT", "compute hints", "CPU fast path")  # fmt: skip
    return "## Graph forms (`--precision`)\n\n" + _table(header, rows)


def compute_section() -> str:
    from ..forms import COMPUTE_HINTS

    rows = [(f"`{h.name}`", h.summary, h.kernel or "(scheduling only)", f"`{h.gate.spec(h.name)}`" if h.gate else "",
             str(h.min_batch)) for h in COMPUTE_HINTS.values()]  # fmt: skip
    text = ("A hint with a kernel names the run after it on a float form (fp32 + bf16 is `bf16`, gated as bf16); "
            "an INT8 form keeps its name and gate, with `+bf16` after its variant.")  # fmt: skip
    header = ("hint", "what it does", "kernel", "gate", "smallest batch")
    return f"## Compute hints (backend modes)\n\n{text}\n\n" + _table(header, rows)


def formats_section() -> str:
    from ..formats import FORMATS

    rows = [(f"`{f.name}`", ", ".join(f"`{s}`" for s in f.suffixes), f.summary, ", ".join(f.precisions),
             ", ".join(f"`{gate.spec(name)}`" for name, gate in f.gates.items()))
            for f in FORMATS.values()]  # fmt: skip
    header = ("format", "suffixes", "what it is", "forms", "its runtime's own gates")
    return "## Artifact formats (`--format`)\n\n" + _table(header, rows)


def backends_section() -> str:
    from ..backends import BACKENDS

    def modes(spec: typing.Any) -> str:
        def one(mode: typing.Any) -> str:
            hints = f" [{'+'.join(mode.compute)}]" if mode.compute else ""
            return (", ".join(f"{k}={v}" for k, v in mode.options.items()) or "default") + hints

        return "; ".join(one(mode) for mode in spec.modes)

    rows = [(f"`{s.name}`", s.runs, s.device, s.summary, ", ".join(s.options), modes(s)) for s in BACKENDS.values()]
    return "## Backends (`--backend`, `--backends`)\n\n" + _table(
        ("backend", "runs", "device", "what it is", "options", "bench modes"), rows
    )


def _type_name(annotation: object) -> str:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
    return str(text).replace("typing.", "")


def fields_table(cls: type, title: str) -> str:
    """The fields of a dataclass record, in order, with their types and the records they nest."""
    hints = typing.get_type_hints(cls)
    rows = []
    for f in dataclasses.fields(cls):
        nested = hints.get(f.name)
        inner = [a for a in typing.get_args(nested) if dataclasses.is_dataclass(a)] or (
            [nested] if dataclasses.is_dataclass(nested) else []
        )
        keys = ", ".join(g.name for g in dataclasses.fields(inner[0]) if not g.name.startswith("_")) if inner else ""
        rows.append((f"`{f.name}`", f"`{_type_name(f.type)}`", keys))
    return f"### {title}\n\n" + _table(("key", "type", "keys inside"), rows)


def records_section() -> str:
    from ..benchmarks.records import BenchRecord, BenchResults
    from ..core.metadata import SCHEMA, SCHEMA_VERSION, ArtifactRecord

    sidecar = fields_table(ArtifactRecord, f"The sidecar (`{SCHEMA}` version {SCHEMA_VERSION})")
    results = fields_table(BenchResults, "A bench results.json")
    record = fields_table(BenchRecord, "One bench record")
    return f"## Files\n\n{sidecar}\n\n{results}\n\n{record}"


def reference_markdown() -> str:
    """The whole reference page."""
    sections = (forms_section(), compute_section(), formats_section(), backends_section(), records_section())
    return HEADER + "\n" + "\n\n".join(sections) + "\n"
