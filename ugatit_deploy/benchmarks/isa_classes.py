"""``ugatit-deploy bench --isa native,avx2``: the bench once per CPU class, each in its own process, combined.

A class is ``native`` (no cap) or one of oneDNN's ISA levels (``core.cpu_caps.ONEDNN_ISA_ORDER``, any case).
oneDNN reads ``ONEDNN_MAX_CPU_ISA`` once at process start, so each class is a child process started with the
class's caps (``core.cpu_caps.cap_environment``): oneDNN (inside PyTorch and OpenVINO), and below AVX-512
PyTorch's own kernels and MKL too, so torch eager is the class's baseline. ONNX Runtime, MNN and ncnn bring
their own kernels and ignore these caps: their cells say "not capped".

The child gets the run as settings, not as a command line: the parent writes the bench's ``BenchSettings``
(its ``out`` the class's folder) to OUT/isa-<class>/settings.json and starts
``python -m ugatit_deploy bench-child OUT/isa-<class>/settings.json`` (a hidden command), which reads it back,
runs the bench and writes that folder's results.

A class above this CPU (``avx512_core_amx`` on a CPU without AMX) is refused: oneDNN would quietly run a lower
level under that name. This module adds OUT/classes.json (``class_records``) and OUT/classes.md
(``report.classes``). No combined results.json: records of different classes share labels, and each class
folder holds its own.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..core.cpu_caps import CAP_VARIABLES, ONEDNN_ISA_ORDER, cap_environment, missing_flags, read_cpu_flags
from ..core.errors import UgatitDeployError
from ..core.fileio import atomic_output
from .class_records import EXIT_GATE_FAILED, ClassesRecord, ClassResult, ModeCell
from .records import BenchResults
from .report.classes import format_classes
from .settings import BenchSettings, write_settings

NATIVE = "native"
FOLDER_PREFIX = "isa-"
SETTINGS_FILE = "settings.json"  # in each class's folder: what its child ran
CHILD_COMMAND = "bench-child"  # the hidden CLI command a child runs: ``bench-child SETTINGS_FILE``


class IsaClassError(UgatitDeployError):
    """An --isa list that cannot be measured here."""


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
        return cap_environment(self.cap)

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


def child_settings(isa_class: IsaClass, settings: BenchSettings) -> BenchSettings:
    """What the class's child runs: ``settings`` with OUT/isa-<class> as its folder, ``--out`` that folder
    appended to the command line it records."""
    out = settings.out / isa_class.folder
    return replace(settings, out=out, command=f"{settings.command} --out {shlex.quote(str(out))}".lstrip())


def child_command(settings_file: Path) -> list[str]:
    """The child's command line: the hidden ``bench-child`` command of ``python -m ugatit_deploy``."""
    return [sys.executable, "-m", "ugatit_deploy", CHILD_COMMAND, str(settings_file)]


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


def run_class(isa_class: IsaClass, settings: BenchSettings, log: Callable[[str], None]) -> ClassResult:
    """One child bench under the class's caps, its output streamed with a ``[class]`` prefix. ``settings.out``
    is OUT; the child writes into OUT/isa-<class>."""
    child = child_settings(isa_class, settings)
    settings_file = write_settings(child, child.out / SETTINGS_FILE)
    (child.out / "results.json").unlink(missing_ok=True)  # an older run's must not stand in
    command = child_command(settings_file)
    shown = " ".join(f"{key}={value}" for key, value in isa_class.caps().items()) or "no cap"
    log(f"[{isa_class.name}] {shown}: {' '.join(command[1:])}")
    last = ""
    with subprocess.Popen(command, env=isa_class.environment(os.environ), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace") as process:  # fmt: skip
        assert process.stdout is not None
        for line in process.stdout:
            log(f"[{isa_class.name}] {line.rstrip()}")
            last = line.strip() or last
    return class_result(isa_class, process.returncode, settings.out, last)


def run_classes(classes: Sequence[IsaClass], settings: BenchSettings, command: str,
                log: Callable[[str], None] = print) -> ClassesRecord:  # fmt: skip
    """Each class in turn (never at once: they would share the CPUs); a failed class does not stop the rest.
    ``settings``: the bench every class runs, ``out`` OUT and ``command`` its command line less ``--isa`` and
    ``--out``; ``command``: the whole ``--isa`` command, for classes.json."""
    settings.out.mkdir(parents=True, exist_ok=True)
    return ClassesRecord(command, [run_class(isa_class, settings, log) for isa_class in classes])


def write_classes(record: ClassesRecord, out: Path) -> tuple[Path, Path]:
    """OUT/classes.json and OUT/classes.md, each written atomically."""
    paths = (out / "classes.json", out / "classes.md")
    with atomic_output(paths[0]) as handle:
        handle.write((json.dumps(record.to_dict(), indent=2, allow_nan=True) + "\n").encode())
    with atomic_output(paths[1]) as handle:
        handle.write(format_classes(record).encode())
    return paths
