"""The results of ``bench --isa`` (OUT/classes.json): per CPU class, its caps, how its child run ended and, per
mode, the ms/img and speed-up its own results.json recorded.

A second, smaller schema beside results.json (``records``): each class's folder holds its complete results;
this one lines them up side by side (``report.classes`` draws it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..backends import BACKENDS
from ..core.cpu_caps import CAPPED_FAMILIES
from .records import BenchRecord

CLASSES_SCHEMA = "ugatit-deploy/bench-classes"
CLASSES_SCHEMA_VERSION = 1
EXIT_GATE_FAILED = 3  # a child's exit code when a --gate failed (its results are complete)


@dataclass(frozen=True)
class ModeCell:
    """One mode (label x batch) as one class measured it."""

    label: str
    batch: int
    backend: str
    capped: bool  # whether the class's caps govern this backend's kernels
    status: str
    reason: str
    ms_per_image_p50: float | None
    speedup_vs_torch_eager: float | None  # over this class's torch eager FP32, same batch and run
    gate_passed: bool | None  # None: no parity gate judged (not measured)

    @classmethod
    def of(cls, record: BenchRecord) -> ModeCell:
        """The cell of one record of a class's results.json."""
        spec = BACKENDS.get(record.backend)
        latency = record.latency
        return cls(record.label, record.batch, record.backend, spec is not None and spec.family in CAPPED_FAMILIES,
                   record.status, record.reason, latency.ms_per_image.p50 if latency else None,
                   record.speedup_vs_torch_eager, record.gate.passed if record.gate else None)  # fmt: skip


@dataclass(frozen=True)
class ClassResult:
    """One class's child run: its caps, exit code, the ISA string it recorded and its modes."""

    name: str
    cap: str | None
    caps: dict[str, str]
    folder: str  # relative to OUT
    exit_code: int
    error: str = ""  # why the class has no results (the child's last line), "" when it has them
    isa: str | None = None  # results.json machine.isa
    modes: list[ModeCell] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.error)


@dataclass(frozen=True)
class ClassesRecord:
    """OUT/classes.json."""

    command: str
    classes: list[ClassResult]
    schema: str = CLASSES_SCHEMA
    schema_version: int = CLASSES_SCHEMA_VERSION

    def to_dict(self) -> dict:
        """The JSON value: schema, command, then each class with its modes."""
        return {"schema": self.schema, "schema_version": self.schema_version, "command": self.command,
                "classes": [asdict(result) for result in self.classes]}  # fmt: skip

    def exit_code(self) -> int:
        """1 when a class failed, 3 when a gate failed in a class (--gate), else 0."""
        if any(result.failed for result in self.classes):
            return 1
        return EXIT_GATE_FAILED if any(r.exit_code == EXIT_GATE_FAILED for r in self.classes) else 0
