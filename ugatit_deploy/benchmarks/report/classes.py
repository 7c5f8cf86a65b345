"""classes.md of ``bench --isa``: the CPU classes (caps, recorded ISA, outcome), then modes x classes with each
mode's ms/img and speed-up over its own class's torch eager FP32 (``..class_records``)."""

from __future__ import annotations

from collections.abc import Sequence

from ..class_records import EXIT_GATE_FAILED, ClassesRecord, ClassResult, ModeCell
from ..records import FAILED_PARITY, OK


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
