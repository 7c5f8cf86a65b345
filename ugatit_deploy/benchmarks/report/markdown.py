"""report.md: the run's context (model, inputs, machine, settings, gates), the records table with full
reasons, the quality of each input set, and links to the chart and the image grid."""

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
    task_note,
)

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


def write_markdown(
    results: BenchResults,
    path: str | os.PathLike[str],
    chart: str | os.PathLike[str] | None = None,
    grid: str | os.PathLike[str] | None = None,
) -> Path:
    """Write report.md: context sections, gates, the records table (full reasons) and the chart/grid images.

    ``chart`` and ``grid`` are paths to the PNGs (as written by plot_latency / image_grid); the report links
    them relative to its own folder.
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
    if records:
        rows = [row_cells(record, None) for record in records]
        numeric = [name not in TEXT_COLUMNS for name in TABLE_COLUMNS]
        lines += _md_table(TABLE_COLUMNS, rows, numeric)
        lines += ["", fastest_line(records)]
        if results.not_run:
            lines += ["", "Not run here (`bench --all` measures them):", "", *(f"- {line}" for line in results.not_run)]
        if note := task_note(records):
            lines += ["", note]
        if notes := floor_notes(records):
            lines += ["", f"% peak not shown ({NOTE_MARK} in the peak column):", "", *(f"- {n}" for n in notes)]
    else:
        lines.append("No records.")
    lines += _md_quality_by_set(records, results.inputs.sets or {})
    if chart is not None:
        lines += ["", "## Latency", "", f"![Latency per image, p50 with p99 whisker]({_link(chart, target)})"]
    if grid is not None:
        lines += [
            "",
            "## Outputs",
            "",
            "Rows: input, PyTorch FP32 reference, then each backend's output and its amplified error map "
            "(black = identical).",
            "",
            f"![Backend outputs and error maps]({_link(grid, target)})",
        ]
    lines += ["", "## How to read this", "", _HOW_TO_READ, ""]

    with atomic_output(target) as handle:
        handle.write("\n".join(lines).encode("utf-8"))
    return target
