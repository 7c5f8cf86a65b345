"""``ugatit-deploy bench --isa native,avx2``: the bench once per CPU class, each in its own process, combined.

A class is ``native`` (no cap) or one of oneDNN's ISA levels (``core.cpu_caps.ONEDNN_ISA_ORDER``, any case).
oneDNN reads ``ONEDNN_MAX_CPU_ISA`` once at process start, so each class is a child process
(``python -m ugatit_deploy bench <the same arguments> --out OUT/isa-<class>``) started with the class's caps:
oneDNN (inside PyTorch and OpenVINO), and below AVX-512 PyTorch's own kernels (``ATEN_CPU_CAPABILITY``) and
MKL (``MKL_ENABLE_INSTRUCTIONS``) too, so torch eager is the class's baseline. ONNX Runtime, MNN and ncnn bring
their own kernels and ignore these caps: their cells say "not capped".

A class above this CPU (``avx512_core_amx`` on a CPU without AMX) is refused: oneDNN would quietly run a lower
level under that name. Each child writes its complete results; this module adds OUT/classes.json and
OUT/classes.md (modes x classes: ms/img p50 and speed-up over that class's torch eager FP32). No combined
results.json: records of different classes share labels, and each class folder holds its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ..backends import BACKENDS
from ..core.cpu_caps import CAP_VARIABLE, ONEDNN_ISA_ORDER, read_cpu_flags
from ..core.errors import UgatitDeployError
from ..core.fileio import atomic_output
from .records import FAILED_PARITY, OK, BenchRecord, BenchResults

NATIVE = "native"
FOLDER_PREFIX = "isa-"
EXIT_GATE_FAILED = 3  # a child's exit code when a --gate failed (its results are complete)
CAPPED_FAMILIES = ("torch", "openvino")  # runners whose kernels the caps govern (oneDNN, ATen, MKL)
# Every variable a class sets or clears; the older DNNL_ spelling too, so an inherited one cannot leak in.
CAP_VARIABLES = (CAP_VARIABLE, "DNNL_MAX_CPU_ISA", "ATEN_CPU_CAPABILITY", "MKL_ENABLE_INSTRUCTIONS")
_AMX = ("amx_tile", "amx_int8", "amx_bf16")
# level: (the level it builds on, the /proc/cpuinfo flags it adds), as oneDNN's mayiuse() decides.
_NEEDS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "SSE41": (None, ("sse4_1",)),
    "AVX": ("SSE41", ("avx",)),
    "AVX2": ("AVX", ("avx2",)),
    "AVX2_VNNI": ("AVX2", ("avx_vnni",)),
    "AVX2_VNNI_2": ("AVX2_VNNI", ("avx_vnni_int8", "avx_ne_convert")),
    "AVX512_CORE": ("AVX2", ("avx512f", "avx512bw", "avx512vl", "avx512dq")),
    "AVX512_CORE_VNNI": ("AVX512_CORE", ("avx512_vnni",)),
    "AVX512_CORE_BF16": ("AVX512_CORE_VNNI", ("avx512_bf16",)),
    "AVX10_1_512": ("AVX512_CORE_BF16", ("avx512_fp16",)),
    "AVX512_CORE_FP16": ("AVX10_1_512", ()),
    "AVX10_1_512_AMX": ("AVX10_1_512", _AMX),
    "AVX512_CORE_AMX": ("AVX512_CORE_BF16", _AMX),
    "AVX10_1_512_AMX_FP16": ("AVX10_1_512_AMX", ("amx_fp16",)),
    "AVX512_CORE_AMX_FP16": ("AVX512_CORE_AMX", ("amx_fp16",)),
}
_FLAG_ALIASES = {"avx512vnni": "avx512_vnni"}  # older kernels' spelling


class IsaClassError(UgatitDeployError):
    """An --isa list that cannot be measured here."""


def _level_flags(level: str) -> list[str]:
    """Every /proc/cpuinfo flag oneDNN needs to run ``level``."""
    base, flags = _NEEDS[level]
    return [*(_level_flags(base) if base else []), *flags]


def missing_flags(level: str, flags: frozenset[str]) -> list[str]:
    """The flags ``level`` needs that ``flags`` lacks (none when the flags are unknown: nothing to check)."""
    have = {_FLAG_ALIASES.get(flag, flag) for flag in flags}
    return [flag for flag in _level_flags(level) if flag not in have] if flags else []


@dataclass(frozen=True)
class IsaClass:
    """One CPU class: ``native`` (cap None) or a oneDNN level (its lower-case name)."""

    name: str
    cap: str | None

    def __str__(self) -> str:  # how ``bench.command_line`` writes the option back
        return self.name

    @property
    def folder(self) -> str:
        return f"{FOLDER_PREFIX}{self.name}"

    def caps(self) -> dict[str, str]:
        """The variables this class sets; every other ``CAP_VARIABLES`` entry is removed for its child."""
        if self.cap is None:
            return {}
        index = ONEDNN_ISA_ORDER.index(self.cap)
        caps = {CAP_VARIABLE: self.cap}
        if "AMX" in self.cap:  # no MKL value names these levels: oneDNN's cap only
            return caps
        if index >= ONEDNN_ISA_ORDER.index("AVX512_CORE"):  # ATen's AVX-512 kernels need only AVX512_CORE's set
            return caps | {"MKL_ENABLE_INSTRUCTIONS": "AVX512"}
        aten = "avx2" if index >= ONEDNN_ISA_ORDER.index("AVX2") else "default"
        mkl = {"SSE41": "SSE4_2", "AVX": "AVX"}.get(self.cap, "AVX2")
        return caps | {"ATEN_CPU_CAPABILITY": aten, "MKL_ENABLE_INSTRUCTIONS": mkl}

    def environment(self, base: Mapping[str, str]) -> dict[str, str]:
        """``base`` with this class's caps (and unbuffered output, so the child's lines stream)."""
        kept = {key: value for key, value in base.items() if key not in CAP_VARIABLES}
        return kept | self.caps() | {"PYTHONUNBUFFERED": "1"}


def parse_isa_classes(value: str, flags: frozenset[str] | None = None) -> tuple[IsaClass, ...]:
    """``"native,AVX2"`` -> the classes, in order, duplicates dropped. IsaClassError for an unknown name or a
    level this CPU (``flags``, default /proc/cpuinfo) lacks."""
    flags = read_cpu_flags() if flags is None else flags
    names = [NATIVE, *(level.lower() for level in ONEDNN_ISA_ORDER)]
    chosen: dict[str, IsaClass] = {}
    for item in (part.strip().lower() for part in value.split(",") if part.strip()):
        if item not in names:
            raise IsaClassError(
                f"unknown CPU class {item!r}: use {NATIVE} or a oneDNN ISA level: {', '.join(names[1:])}"
            )
        level = None if item == NATIVE else item.upper()
        if level and (missing := missing_flags(level, flags)):
            here = [NATIVE, *(n.lower() for n in ONEDNN_ISA_ORDER if not missing_flags(n, flags))]
            raise IsaClassError(f"{item}: this CPU lacks {', '.join(missing)}, so the cap would measure a lower "
                                f"class under that name; this CPU can stand in for {', '.join(here)}")  # fmt: skip
        chosen.setdefault(item, IsaClass(item, level))
    if not chosen:
        raise IsaClassError(f"no CPU class given: e.g. {NATIVE},avx2")
    return tuple(chosen.values())


def child_arguments(args: Sequence[str], out: Path) -> list[str]:
    """The bench's own arguments without ``--isa`` and ``--out``, then ``--out out``."""
    kept: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in ("--isa", "--out"):
            skip = True
        elif not arg.startswith(("--isa=", "--out=")):
            kept.append(arg)
    return [*kept, "--out", str(out)]


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
    schema: str = "ugatit-deploy/bench-classes"
    schema_version: int = 1

    def to_dict(self) -> dict:
        return {"schema": self.schema, "schema_version": self.schema_version, "command": self.command,
                "classes": [asdict(result) for result in self.classes]}  # fmt: skip

    def exit_code(self) -> int:
        """1 when a class failed, 3 when a gate failed in a class (--gate), else 0."""
        if any(result.failed for result in self.classes):
            return 1
        return EXIT_GATE_FAILED if any(r.exit_code == EXIT_GATE_FAILED for r in self.classes) else 0


def class_result(isa_class: IsaClass, exit_code: int, out: Path, last_line: str = "") -> ClassResult:
    """The class's record, read from its child's results.json when the child finished (exit 0, or 3 for a
    failed --gate); otherwise the child's last line says why."""
    result = ClassResult(isa_class.name, isa_class.cap, isa_class.caps(), isa_class.folder, exit_code)
    if exit_code not in (0, EXIT_GATE_FAILED):
        return replace(result, error=last_line or f"exit code {exit_code}")
    path = out / isa_class.folder / "results.json"
    try:
        results = BenchResults.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError) as exc:
        return replace(result, error=f"no results in {path}: {exc}")
    return replace(result, isa=results.machine.get("isa"), modes=[ModeCell.of(r) for r in results.records])


def run_class(isa_class: IsaClass, args: Sequence[str], out: Path, log: Callable[[str], None]) -> ClassResult:
    """One child bench under the class's caps, its output streamed with a ``[class]`` prefix."""
    command = [sys.executable, "-m", "ugatit_deploy", "bench", *child_arguments(args, out / isa_class.folder)]
    shown = " ".join(f"{key}={value}" for key, value in isa_class.caps().items()) or "no cap"
    log(f"[{isa_class.name}] {shown}: {' '.join(command[1:])}")
    (out / isa_class.folder / "results.json").unlink(missing_ok=True)  # an older run's must not stand in
    last = ""
    with subprocess.Popen(command, env=isa_class.environment(os.environ), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace") as child:  # fmt: skip
        assert child.stdout is not None
        for line in child.stdout:
            log(f"[{isa_class.name}] {line.rstrip()}")
            last = line.strip() or last
    return class_result(isa_class, child.returncode, out, last)


def run_classes(classes: Sequence[IsaClass], args: Sequence[str], out: Path, command: str,
                log: Callable[[str], None] = print) -> ClassesRecord:  # fmt: skip
    """Each class in turn (never at once: they would share the CPUs); a failed class does not stop the rest."""
    out.mkdir(parents=True, exist_ok=True)
    return ClassesRecord(command, [run_class(isa_class, args, out, log) for isa_class in classes])


def _ms(value: float) -> str:
    for limit, digits in ((1, 3), (10, 2), (100, 1)):
        if abs(value) < limit:
            return f"{value:.{digits}f}"
    return f"{value:.0f}"


def cell_text(cell: ModeCell | None, result: ClassResult) -> str:
    """``86 ms, 3.70x``; the reason in words when the mode did not run; a mark when the caps do not apply."""
    if result.failed:
        return "class failed"
    if cell is None:
        return "not in this class's run"
    if cell.ms_per_image_p50 is None:
        return " ".join(f"{cell.status}: {cell.reason}".split())
    parts = [f"{_ms(cell.ms_per_image_p50)} ms"]
    if cell.speedup_vs_torch_eager is not None:
        parts.append(f"{cell.speedup_vs_torch_eager:.2f}x")
    if cell.status == FAILED_PARITY:
        parts.append("failed parity")
    elif cell.status != OK:
        parts.append(cell.status)
    if result.cap is not None and not cell.capped:
        parts.append("not capped")
    return ", ".join(parts)


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def _keyed(modes: Sequence[ModeCell]) -> dict[tuple[str, int, int], ModeCell]:
    """Modes by (label, batch, n): the n-th record of that label and batch (an export that failed leaves
    records whose labels repeat; each class plans the same cases in the same order)."""
    seen: dict[tuple[str, int], int] = {}
    keyed = {}
    for mode in modes:
        n = seen[mode.label, mode.batch] = seen.get((mode.label, mode.batch), -1) + 1
        keyed[mode.label, mode.batch, n] = mode
    return keyed


def mode_rows(classes: Sequence[ClassResult]) -> list[str]:
    """The markdown rows of the modes x classes table (rows that repeat word for word shown once)."""
    keyed = [_keyed(result.modes) for result in classes]
    keys = list(dict.fromkeys(key for modes in keyed for key in modes))
    several_batches = len({batch for _, batch, _ in keys}) > 1
    rows = []
    for key in keys:
        title = f"{key[0]}, batch {key[1]}" if several_batches else key[0]
        cells = [cell_text(modes.get(key), result) for modes, result in zip(keyed, classes, strict=True)]
        rows.append(f"| {title} | {' | '.join(_escape(cell) for cell in cells)} |")
    return list(dict.fromkeys(rows))


def format_classes(record: ClassesRecord) -> str:
    """classes.md: the classes (caps, recorded ISA, outcome), then modes x classes."""
    classes = record.classes
    lines = ["# Bench per CPU class", "", f"`{record.command}`", "",
             "Each class ran as its own `ugatit-deploy bench` process with the caps shown; within a class the "
             "backends were timed in the same run, so each speed-up is over torch eager FP32 of the same class "
             "and batch.", "", "| class | caps | ISA recorded | run |", "|---|---|---|---|"]  # fmt: skip
    for result in classes:
        caps = ", ".join(f"{key}={value}" for key, value in result.caps.items()) or "none"
        run = f"failed (exit {result.exit_code}): {result.error}" if result.failed else f"{result.folder}/report.md"
        if result.exit_code == EXIT_GATE_FAILED:
            run += " (a gate failed)"
        lines.append(f"| {result.name} | {caps} | {result.isa or '-'} | {_escape(run)} |")
    lines += ["", f"| mode | {' | '.join(r.name for r in classes)} |", "|---" * (len(classes) + 1) + "|"]
    lines += mode_rows(classes)
    uncapped = sorted({m.backend for r in classes for m in r.modes if not m.capped})
    lines += ["", "Cells: ms/img p50, speed-up over torch eager FP32 of the same class."]
    if uncapped:
        lines.append(f"{', '.join(uncapped)}: own kernels that ignore the caps (\"not capped\": the whole CPU, "
                     "against a capped baseline).")  # fmt: skip
    return "\n".join(lines) + "\n"


def write_classes(record: ClassesRecord, out: Path) -> tuple[Path, Path]:
    """OUT/classes.json and OUT/classes.md, each written atomically."""
    paths = (out / "classes.json", out / "classes.md")
    with atomic_output(paths[0]) as handle:
        handle.write((json.dumps(record.to_dict(), indent=2, allow_nan=True) + "\n").encode())
    with atomic_output(paths[1]) as handle:
        handle.write(format_classes(record).encode())
    return paths
