"""The terminal table, and the cell formatting and summaries every report shares (markdown, chart)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..records import OK, UNAVAILABLE, UNSUPPORTED, BenchRecord, BenchResults

MISSING = "-"
TABLE_REASON_CHARS = 40

TABLE_COLUMNS = (
    "backend",
    "precision",
    "batch",
    "status",
    "size MB",
    "PSNR dB",
    "SSIM",
    "max abs",
    "task dB",
    "ms/img p50",
    "ms/img p99",
    "cold start ms",
    "img/s",
    "eff GFLOP/s",
    "% peak",
    "peak",
    "vs eager",
)
KEY_COLUMNS = ("backend", "precision", "batch", "status")  # shown even where every other cell of a column is empty
# Left-aligned text columns; every other column is numeric and right-aligned.
TEXT_COLUMNS = {"backend", "precision", "status", "peak"}
NOTE_MARK = "*"  # after a record's peak key where its floor has a note (listed under the table)


# --------------------------------------------------------------------------------------------- values


def number(value: Any) -> float | None:
    """A float for numbers (bools excluded), None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def fmt_fixed(value: Any, digits: int) -> str:
    value = number(value)
    if value is None:
        return MISSING
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.{digits}f}"


def fmt_ms(value: Any) -> str:
    """Milliseconds with about three significant digits (0.512, 5.10, 51.0, 510)."""
    ms = number(value)
    if ms is None or not math.isfinite(ms):
        return fmt_fixed(value, 2)
    for limit, digits in ((1, 3), (10, 2), (100, 1)):
        if abs(ms) < limit:
            return f"{ms:.{digits}f}"
    return f"{ms:.0f}"


def fmt_sci(value: Any) -> str:
    x = number(value)
    if x is None or not math.isfinite(x):
        return fmt_fixed(value, 1)
    return f"{x:.1e}"


def fmt_rate(value: Any) -> str:
    rate = number(value)
    if rate is not None and math.isfinite(rate) and abs(rate) >= 100:
        return f"{rate:.0f}"
    return fmt_fixed(value, 1)


def fmt_speedup(value: Any) -> str:
    text = fmt_fixed(value, 2)
    return text if text == MISSING else f"{text}x"


def fmt_int(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return MISSING
    return str(value)


def status_text(record: BenchRecord, max_reason: int | None) -> str:
    """``ok``, or ``<status>: <reason>`` with the reason on one line (truncated when max_reason is set)."""
    status = record.status or MISSING
    reason = " ".join(record.reason.split()) if record.reason else ""
    if not reason or status == OK:
        return status
    if max_reason is not None and len(reason) > max_reason:
        reason = reason[: max_reason - 1].rstrip() + "…"
    return f"{status}: {reason}"


def row_cells(record: BenchRecord, max_reason: int | None) -> list[str]:
    """The TABLE_COLUMNS cells of one record, formatted for display."""
    parity, latency = record.parity, record.latency
    return [
        record.backend or MISSING,
        mode_text(record),
        fmt_int(record.batch),
        status_text(record, max_reason),
        fmt_fixed(record.size_mb, 2),
        fmt_fixed(parity.psnr_db if parity else None, 1),
        fmt_fixed(parity.ssim if parity else None, 4),
        fmt_sci(parity.max_abs if parity else None),
        fmt_fixed(record.task.psnr_db if record.task else None, 2),
        fmt_ms(latency.ms_per_image.p50 if latency else None),
        fmt_ms(latency.ms_per_image.p99 if latency else None),
        fmt_ms(record.cold_start_ms),
        fmt_rate(latency.images_per_s if latency else None),
        fmt_rate(record.floor.gflops_achieved if record.floor else None),
        fmt_fixed(record.floor.pct_of_peak if record.floor else None, 1),
        peak_cell(record),
        fmt_speedup(record.speedup_vs_torch_eager),
    ]


def mode_text(record: BenchRecord) -> str:
    """The precision column: the runner's label without the backend's name (precision, variant, hints), so
    that modes of one backend and precision (latency / throughput hint, BF16 float layers) stay apart."""
    label = str(record.label or "")
    if record.backend and label.startswith(f"{record.backend} "):
        return label[len(record.backend) + 1 :]
    return " ".join(filter(None, (record.precision or MISSING, record.variant)))


def peak_cell(record: BenchRecord) -> str:
    """The key of the peak the record's % is of (``cpu-int8``), marked where a note replaces the %."""
    floor = record.floor
    if floor is None:
        return MISSING
    return floor.peak_key + (NOTE_MARK if floor.note else "")


def peak_lines(results: BenchResults) -> list[str]:
    """One line per measured peak: ``cpu-fp32: 228.1 GFLOP/s, <kernel>``, or why it was not measured."""
    kernels = results.floor.peak_kernels or {}
    lines = []
    for key, peak in results.floor.peaks_gflops.items():
        kernel = kernels.get(key)
        if peak is None:
            lines.append(f"{key}: {kernel or 'not measured'}")
        else:
            lines.append(f"{key}: {peak:.1f} GFLOP/s" + (f", {kernel}" if kernel else ""))
    return lines


def floor_notes(records: Sequence[BenchRecord]) -> list[str]:
    """``<label> batch <n>: <note>`` of each record whose rate passes its peak (its % is not shown)."""
    return [f"{record.label} batch {record.batch}: {record.floor.note}" for record in records
            if record.floor is not None and record.floor.note]  # fmt: skip


def model_summary(results: BenchResults) -> str:
    """``demo_shapes_a2b.pt (64 px, a2b, ngf 8, 4 blocks, light)``."""
    model = results.model
    config = model.config
    parts = [f"{config['img_size']} px" if config.get("img_size") else None]
    if model.direction:
        parts.append(model.direction)
    if config.get("ngf") is not None:
        parts.append(f"ngf {config['ngf']}")
    if config.get("n_blocks") is not None:
        parts.append(f"{config['n_blocks']} blocks")
    if config.get("light"):
        parts.append("light")
    details = ", ".join(part for part in parts if part)
    name = model.checkpoint or "model"
    return f"{name} ({details})" if details else name


def machine_summary(results: BenchResults) -> str:
    """CPU, cores, threads, GPU and torch version: the machine line of the table and the chart."""
    machine = results.machine
    parts = [str(machine.get("cpu") or "unknown CPU")]
    if machine.get("cpu_count") is not None:
        parts.append(f"{machine['cpu_count']} cores")
    if machine.get("threads") is not None:  # what the runners and the matmul peak used
        parts.append(f"{machine['threads']} threads")
    elif machine.get("torch_threads") is not None:
        parts.append(f"{machine['torch_threads']} torch threads")
    parts.append(f"GPU {machine['gpu']}" if machine.get("gpu") else "no GPU")
    if machine.get("torch"):
        parts.append(f"torch {machine['torch']}")
    return ", ".join(parts)


def quality_by_set_rows(records: Sequence[BenchRecord], sets: Mapping[str, Any]) -> list[list[str]]:
    """One row per measured record: label, batch, then PSNR and SSIM of each input set."""
    rows = []
    for record in records:
        by_set = (record.parity.by_set if record.parity else None) or {}
        if not by_set:
            continue
        cells = [str(record.label), fmt_int(record.batch)]
        for name in sets:
            quality = by_set.get(name)
            psnr_db, ssim = (quality.psnr_db, quality.ssim) if quality else (None, None)
            cells += [fmt_fixed(psnr_db, 1), fmt_fixed(ssim, 4)]
        rows.append(cells)
    return rows


def task_note(records: Sequence[BenchRecord]) -> str | None:
    """What the ``task dB`` column measures, with the photos' own score; None when no record has one."""
    scored = next((record.task for record in records if record.task is not None), None)
    if scored is None:
        return None
    return (f"task dB: PSNR of each backend's images of the {scored.images} bundled photos against "
            f"cartoonize(photo), the built-in model's task; the photos themselves score "
            f"{scored.input_psnr_db:.2f} dB (SSIM {scored.input_ssim:.3f}).")  # fmt: skip


# --------------------------------------------------------------------------------------------- table


def _merged_rows(records: Sequence[BenchRecord]) -> list[list[str]]:
    """Table rows; a backend that did not run gets one row for all its batch sizes, not one per batch."""
    rows: list[list[str]] = []
    merged: dict[tuple, list[str]] = {}
    for record in records:
        cells = row_cells(record, TABLE_REASON_CHARS)
        if record.latency is not None or record.parity is not None:
            rows.append(cells)
            continue
        key = (record.backend, record.precision, record.status, record.reason)
        if key in merged:
            merged[key][2] += f",{fmt_int(record.batch)}"
        else:
            merged[key] = cells
            rows.append(cells)
    return rows


def shown_records(records: Sequence[BenchRecord]) -> list[BenchRecord]:
    """The records the tables show: all but those of modes this machine cannot run (``unavailable_lines``)."""
    return [record for record in records if record.status != UNAVAILABLE]


def used_columns(rows: Sequence[Sequence[str]]) -> list[int]:
    """Indices of the TABLE_COLUMNS worth showing: KEY_COLUMNS and every column with a value in some row."""
    return [index for index, name in enumerate(TABLE_COLUMNS)
            if name in KEY_COLUMNS or any(row[index] != MISSING for row in rows)]  # fmt: skip


def unavailable_lines(records: Sequence[BenchRecord]) -> list[str]:
    """One line per reason modes cannot run on this machine: the backends it stops, in name order, then the
    reason. A backend that ran here, or cannot for another reason too, is named with its modes."""
    reasons = {id(record): " ".join(record.reason.split()) or UNAVAILABLE for record in records}
    groups: dict[str, set[str]] = {}
    for record in (r for r in records if r.status == UNAVAILABLE):
        reason = reasons[id(record)]
        same_backend = (r for r in records if r.backend == record.backend)
        whole = all(r.status == UNSUPPORTED or (r.status == UNAVAILABLE and reasons[id(r)] == reason)
                    for r in same_backend)  # fmt: skip
        groups.setdefault(reason, set()).add(record.backend if whole else f"{record.backend} {mode_text(record)}")
    return [f"{', '.join(sorted(names))}: {reason}" for reason, names in groups.items()]


def _cut_reasons(records: Sequence[BenchRecord]) -> list[str]:
    """One line per reason the table cuts short (longer than TABLE_REASON_CHARS), in full, after its modes."""
    lines: dict[str, list[str]] = {}
    for record in records:
        reason = " ".join(record.reason.split())
        if record.status != OK and len(reason) > TABLE_REASON_CHARS:
            names = lines.setdefault(f"{record.status}: {reason}", [])
            if (label := f"{record.backend} {mode_text(record)}") not in names:
                names.append(label)
    return [f"  {', '.join(names)}: {reason}" for reason, names in lines.items()]


def format_table(results: BenchResults) -> str:
    """A fixed-width terminal table under a model/machine header: the modes tried here (columns with a value
    in some row), then notes, the modes this machine cannot run and the reasons the table cuts short."""
    records = results.records
    rows = _merged_rows(shown_records(records))
    used = used_columns(rows)
    columns = [TABLE_COLUMNS[i] for i in used]
    rows = [[row[i] for i in used] for row in rows]
    widths = [max([len(name)] + [len(row[i]) for row in rows]) for i, name in enumerate(columns)]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.ljust(width) if name in TEXT_COLUMNS else cell.rjust(width)
            for cell, width, name in zip(cells, widths, columns, strict=True)
        ]
        return "  ".join(padded).rstrip()

    header = [f"model: {model_summary(results)}", f"machine: {machine_summary(results)}"]
    header += [f"peak {line}" for line in peak_lines(results)] + [""]
    body = [line(columns), "  ".join("-" * width for width in widths)]
    body += [line(row) for row in rows] if rows else ["(no records)"]
    if note := task_note(records):
        body += ["", note]
    if notes := floor_notes(records):
        body += ["", f"% peak not shown ({NOTE_MARK}):", *(f"  {line}" for line in notes)]
    sets = results.inputs.sets or {}
    if len(sets) > 1 and (quality := quality_by_set_rows(records, sets)):
        body += ["", f"PSNR dB / SSIM per input set ({', '.join(sets)}):"]
        for row in quality:
            pairs = [f"{name} {row[2 + 2 * i]} / {row[3 + 2 * i]}" for i, name in enumerate(sets)]
            body.append(f"  {row[0]} b{row[1]}: " + ", ".join(pairs))
    if unavailable := unavailable_lines(records):
        body += ["", "not run here:", *(f"  {line}" for line in unavailable)]
    if cut := _cut_reasons(shown_records(records)):
        body += ["", "reasons in full:", *cut]
    return "\n".join(header + body)
