"""report.md: the run's context (model, inputs, machine, settings, gates), the records table with full
reasons (the modes this machine cannot run listed under it), the quality of each input set, the chart, the
image grid of the fastest passing mode and a link to the grid of every mode."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ...core.fileio import atomic_output
from ...core.gates import FAST_PATH_GATE
from ..choose import choose_fastest
from ..records import BenchRecord, BenchResults
from .table import (
    MISSING,
    NOTE_MARK,
    TABLE_COLUMNS,
    TEXT_COLUMNS,
    floor_notes,
    number,
    peak_lines,
    quality_by_set_rows,
    row_cells,
    shown_records,
    task_note,
    unavailable_lines,
    used_columns,
)

_PathLike = str | os.PathLike[str]

_HOW_TO_READ = (
    "Every backend runs the same input images and is compared with the PyTorch FP32 "
    "(eager) outputs. PSNR is computed on the generator's [-1, 1] output range (data_range 2); `inf` means "
    "identical outputs, and one uint8 step is 2/255, so max abs below 1/255 changes no 8-bit pixel. "
    "Latency is per image (a batch's time divided by its size); p99 shows the tail. "
    "eff GFLOP/s is the effective rate: the FLOPs a direct convolution of the model needs per image, times "
    "images per second; % peak is that rate over the matmul peak measured on this machine for the row's device "
    "and precision, named in the peak column (on the CPU: FP32 and FP16 rows against cpu-fp32, BF16 against "
    "cpu-bf16, every INT8 mode against cpu-int8; the Settings section lists each peak and its kernel). No row "
    f"reads over 100 %: where the rate passes its peak, the peak column is marked {NOTE_MARK} and a note under "
    "the table says why, Winograd runtimes (MNN, ncnn: their transforms do fewer multiplications than the "
    "direct count) or a peak measured low on a busy machine. Speed-up is "
    "relative to torch eager FP32 on the CPU at the same batch size (above 1 is faster). `failed-parity` rows "
    "exceeded their precision's gate: their timings are shown but they are not a valid deployment option."
)


def _md_cell(value: Any) -> str:
    """Text safe inside a markdown table cell: one line, pipes escaped."""
    text = " ".join(str(value).split())
    return text.replace("|", "\\|") if text else MISSING


def _md_table(header: Sequence[str], rows: Sequence[Sequence[Any]], numeric: Sequence[bool]) -> list[str]:
    align = ["---:" if is_numeric else "---" for is_numeric in numeric]
    lines = ["| " + " | ".join(_md_cell(cell) for cell in header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in rows]
    return lines


def _md_key_values(items: Mapping[str, Any]) -> list[str]:
    return [f"- **{key}**: {MISSING if value is None else value}" for key, value in items.items()]


def _gate_text(metric: str, threshold: Any) -> str:
    # PSNR and SSIM are "higher is better"; every error measure is "lower is better".
    if number(threshold) is None:
        return f"{metric}: {threshold}"
    comparison = "≥" if metric.startswith(("psnr", "ssim")) else "≤"
    unit = " dB" if metric.startswith("psnr") else ""
    return f"{metric} {comparison} {threshold:g}{unit}"


def _link(target: str | os.PathLike[str], report: Path) -> str:
    """``target`` relative to the report's folder, with forward slashes, so the link works after a copy."""
    try:
        relative = os.path.relpath(Path(target).resolve(), report.resolve().parent)
    except ValueError:  # another drive on Windows: no relative path exists
        relative = Path(target).name
    return Path(relative).as_posix()


def _context(results: BenchResults) -> list[str]:
    """The sections before the results: model, inputs, machine, settings and floor, gates."""
    model, inputs, floor = results.model, results.inputs, results.floor
    lines = ["", "## Model", ""]
    lines += _md_key_values(
        {
            "checkpoint": model.checkpoint,
            "sha256": f"`{model.sha256}`" if model.sha256 else None,
            "direction": model.direction,
            **{f"config.{key}": value for key, value in model.config.items()},
        }
    )
    lines += ["", "## Inputs", ""]
    lines += _md_key_values({"size": f"{inputs.size} px" if inputs.size else None, "count": inputs.count})
    if inputs.names:
        lines.append("- **names**: " + ", ".join(f"`{name}`" for name in inputs.names))
    lines += ["", "## Machine", ""]
    lines += _md_key_values(dict(results.machine))
    lines += ["", "## Settings", ""]
    lines += _md_key_values(
        {
            key: (", ".join(map(str, value)) if isinstance(value, list) else value)
            for key, value in results.settings.to_dict().items()
        }
    )
    if floor.flops_per_image is not None:
        lines.append(f"- **FLOPs per image**: {floor.flops_per_image:.3g}")
    for line in peak_lines(results):
        key, _, text = line.partition(": ")
        lines.append(f"- **measured peak {key}**: {text}")
    lines += ["", "## Parity gates", ""]
    if results.gates:
        for precision, checks in results.gates.items():
            rule = ", ".join(_gate_text(metric, threshold) for metric, threshold in (checks or {}).items())
            lines.append(f"- **{precision}**: {rule or 'none'}")
    else:
        lines.append("No gates recorded.")
    return lines


def _md_quality_by_set(records: Sequence[BenchRecord], sets: Mapping[str, Any]) -> list[str]:
    if len(sets) < 2:
        return []
    header = ["backend", "batch", *(f"{name} {metric}" for name in sets for metric in ("PSNR dB", "SSIM"))]
    rows = quality_by_set_rows(records, sets)
    intro = "Each input set on its own (a lossy mode must pass on the natural photos, not only on the mix):"
    numeric = [False, True, *[True] * (len(header) - 2)]
    return ["", "## Quality per input set", "", intro, "", *_md_table(header, rows, numeric)]


def fastest_line(records: list[BenchRecord]) -> str:
    """What the main job would run: the fastest batch-1 record whose images pass the fast-path gate
    (``choose.choose_fastest``, as ``demo`` and ``infer --backend openvino`` choose)."""
    best = choose_fastest(records, FAST_PATH_GATE)
    if best is None or best.latency is None:
        return "Fastest passing at batch 1: none (no batch-1 record passed its gate and PSNR >= 35 dB, SSIM >= 0.98)."
    return (f"Fastest passing at batch 1 (PSNR >= 35 dB, SSIM >= 0.98): **{best.label}**, "
            f"{best.latency.ms_per_image.p50:.2f} ms per image.")


def _md_results(records: Sequence[BenchRecord]) -> list[str]:
    """The records table (columns with a value in some row), the choice, the notes, what cannot run here."""
    rows = [row_cells(record, None) for record in shown_records(records)]
    used = used_columns(rows)
    columns = [TABLE_COLUMNS[i] for i in used]
    lines = _md_table(columns, [[row[i] for i in used] for row in rows], [name not in TEXT_COLUMNS for name in columns])
    lines += ["", fastest_line(list(records))]
    if note := task_note(records):
        lines += ["", note]
    if notes := floor_notes(records):
        lines += ["", f"% peak not shown ({NOTE_MARK} in the peak column):", "", *(f"- {n}" for n in notes)]
    if unavailable := unavailable_lines(records):
        lines += ["", "Not run here (this machine cannot run them):", "", *(f"- {line}" for line in unavailable)]
    return lines


def _md_not_run(not_run: Sequence[str]) -> list[str]:
    """What the plan left out (``plan.what_can_win``, dominated modes), with why."""
    if not not_run:
        return []
    return ["", "Not planned here (`bench --all` measures them):", "", *(f"- {line}" for line in not_run)]


def _md_outputs(report: Path, grid: _PathLike | None, all_modes: _PathLike | None) -> list[str]:
    """The Outputs section: grid.png shown, grid_all_modes.png linked."""
    if grid is None and all_modes is None:
        return []
    lines = ["", "## Outputs", ""]
    if grid is not None:
        lines += ["Rows: input, PyTorch FP32 reference, the fastest passing mode's output (the mode the main job "
                  "runs) and its amplified error map (black = identical).", "",
                  f"![Fastest passing mode's outputs and error maps]({_link(grid, report)})"]  # fmt: skip
    if all_modes is not None:
        lines += ["", f"Every mode's output and error map: [{Path(all_modes).name}]({_link(all_modes, report)}) "
                  "(modes whose images and error maps draw the same, to one 8-bit level, are drawn once, named "
                  "under the first one's)."]  # fmt: skip
    return lines


def write_markdown(
    results: BenchResults,
    path: str | os.PathLike[str],
    chart: str | os.PathLike[str] | None = None,
    grid: str | os.PathLike[str] | None = None,
    all_modes: str | os.PathLike[str] | None = None,
) -> Path:
    """Write report.md: context sections, gates, the records table (full reasons) and the chart/grid images.

    ``chart``, ``grid`` and ``all_modes`` are paths to the PNGs (plot_latency, chosen_grid, image_grid); the
    report shows the chart and grid and links all_modes, relative to its own folder.
    """
    target = Path(path)
    lines = ["# U-GAT-IT deployment benchmark", ""]
    if results.created_utc:
        lines.append(f"Created {results.created_utc}.")
    if results.command:
        lines += ["", f"`{results.command}`"]
    lines += _context(results)

    records = results.records
    lines += ["", "## Results", ""]
    lines += _md_results(records) if records else ["No records."]
    lines += _md_not_run(results.not_run)
    lines += _md_quality_by_set(records, results.inputs.sets or {})
    if chart is not None:
        lines += ["", "## Latency", "", f"![Latency per image, p50 with p99 whisker]({_link(chart, target)})"]
    lines += _md_outputs(target, grid, all_modes)
    lines += ["", "## How to read this", "", _HOW_TO_READ, ""]

    with atomic_output(target) as handle:
        handle.write("\n".join(lines).encode("utf-8"))
    return target
