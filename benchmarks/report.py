"""Human-facing outputs of ``ugatit-deploy bench``: terminal table, CSV, report.md, latency chart, image grid.

Every function reads the JSON-ready ``results`` dict (schema ``ugatit-deploy/bench`` v1) and tolerates
records with missing parts (``parity``, ``latency``, ... may be null for unavailable or failed backends).
Files are written atomically, so an interrupted run never leaves a half-written report behind.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..fileio import atomic_output
from ..parity import to_uint8

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
    "ms/img p50",
    "ms/img p99",
    "img/s",
    "% peak",
    "vs eager",
)
# Left-aligned text columns; every other column is numeric and right-aligned.
_TEXT_COLUMNS = {"backend", "precision", "status"}

PARITY_KEYS = ("max_abs", "mean_abs", "p99_abs", "psnr_db", "ssim", "changed_uint8_pct", "nonfinite")
MS_PER_IMAGE_KEYS = ("p50", "p90", "p99", "mean", "std")

# Image grid layout, in pixels. Tests compute the expected PNG size from these.
GRID_MAX_COLUMNS = 6
GRID_MIN_TILE = 128
GRID_LABEL_WIDTH = 176
GRID_GAP = 4
GRID_BACKGROUND = (255, 255, 255)
GRID_TEXT = (0, 0, 0)


# --------------------------------------------------------------------------------------------- values


def _get(mapping: Mapping[str, Any] | None, *keys: str) -> Any:
    """``mapping[k1][k2]...`` or None when any level is missing or null."""
    value: Any = mapping
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _number(value: Any) -> float | None:
    """A float for numbers (bools excluded), None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _fmt_fixed(value: Any, digits: int) -> str:
    number = _number(value)
    if number is None:
        return MISSING
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    return f"{number:.{digits}f}"


def _fmt_ms(value: Any) -> str:
    """Milliseconds with about three significant digits (0.512, 5.10, 51.0, 510)."""
    number = _number(value)
    if number is None or not math.isfinite(number):
        return _fmt_fixed(value, 2)
    for limit, digits in ((1, 3), (10, 2), (100, 1)):
        if abs(number) < limit:
            return f"{number:.{digits}f}"
    return f"{number:.0f}"


def _fmt_sci(value: Any) -> str:
    number = _number(value)
    if number is None or not math.isfinite(number):
        return _fmt_fixed(value, 1)
    return f"{number:.1e}"


def _fmt_rate(value: Any) -> str:
    number = _number(value)
    if number is not None and math.isfinite(number) and abs(number) >= 100:
        return f"{number:.0f}"
    return _fmt_fixed(value, 1)


def _fmt_speedup(value: Any) -> str:
    text = _fmt_fixed(value, 2)
    return text if text == MISSING else f"{text}x"


def _fmt_int(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return MISSING
    return str(value)


def _status_text(record: Mapping[str, Any], max_reason: int | None) -> str:
    """``ok``, or ``<status>: <reason>`` with the reason on one line (truncated when max_reason is set)."""
    status = str(record.get("status") or MISSING)
    reason = " ".join(str(record.get("reason") or "").split())
    if not reason or status == "ok":
        return status
    if max_reason is not None and len(reason) > max_reason:
        reason = reason[: max_reason - 1].rstrip() + "…"
    return f"{status}: {reason}"


def _row_cells(record: Mapping[str, Any], max_reason: int | None) -> list[str]:
    """The TABLE_COLUMNS cells of one record, formatted for display."""
    per_image = _get(record, "latency", "ms_per_image")
    return [
        str(record.get("backend") or MISSING),
        " ".join(filter(None, (str(record.get("precision") or MISSING), record.get("variant")))),
        _fmt_int(record.get("batch")),
        _status_text(record, max_reason),
        _fmt_fixed(record.get("size_mb"), 2),
        _fmt_fixed(_get(record, "parity", "psnr_db"), 1),
        _fmt_fixed(_get(record, "parity", "ssim"), 4),
        _fmt_sci(_get(record, "parity", "max_abs")),
        _fmt_ms(_get(per_image, "p50")),
        _fmt_ms(_get(per_image, "p99")),
        _fmt_rate(_get(record, "latency", "images_per_s")),
        _fmt_fixed(_get(record, "floor", "pct_of_peak"), 1),
        _fmt_speedup(record.get("speedup_vs_torch_eager")),
    ]


def _records(results: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(results.get("records") or [])


def _model_summary(results: Mapping[str, Any]) -> str:
    model = results.get("model") or {}
    config = model.get("config") or {}
    parts = [f"{config['img_size']} px" if config.get("img_size") else None]
    if model.get("direction"):
        parts.append(str(model["direction"]))
    if config.get("ngf") is not None:
        parts.append(f"ngf {config['ngf']}")
    if config.get("n_blocks") is not None:
        parts.append(f"{config['n_blocks']} blocks")
    if config.get("light"):
        parts.append("light")
    details = ", ".join(part for part in parts if part)
    name = str(model.get("checkpoint") or "model")
    return f"{name} ({details})" if details else name


def _machine_summary(results: Mapping[str, Any]) -> str:
    machine = results.get("machine") or {}
    parts = [str(machine.get("cpu") or "unknown CPU")]
    if machine.get("cpu_count") is not None:
        parts.append(f"{machine['cpu_count']} cores")
    if machine.get("torch_threads") is not None:
        parts.append(f"{machine['torch_threads']} torch threads")
    parts.append(f"GPU {machine['gpu']}" if machine.get("gpu") else "no GPU")
    if machine.get("torch"):
        parts.append(f"torch {machine['torch']}")
    return ", ".join(parts)


# --------------------------------------------------------------------------------------------- table


def _merged_rows(records: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """Table rows; a backend that did not run gets one row for all its batch sizes, not one per batch."""
    rows: list[list[str]] = []
    merged: dict[tuple, list[str]] = {}
    for record in records:
        cells = _row_cells(record, TABLE_REASON_CHARS)
        if record.get("latency") or record.get("parity"):
            rows.append(cells)
            continue
        key = (record.get("backend"), record.get("precision"), record.get("status"), record.get("reason"))
        if key in merged:
            merged[key][2] += f",{_fmt_int(record.get('batch'))}"
        else:
            merged[key] = cells
            rows.append(cells)
    return rows


def _not_run(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """One line per distinct reason a backend did not run, in full."""
    lines: dict[str, list[str]] = {}
    for record in records:
        if record.get("status") != "ok" and record.get("reason") and not record.get("latency"):
            names = lines.setdefault(f"{record['status']}: {record['reason']}", [])
            label = f"{record.get('backend')} {record.get('precision')}"
            if label not in names:
                names.append(label)
    return [f"  {', '.join(names)}: {reason}" for reason, names in lines.items()]


def format_table(results: Mapping[str, Any]) -> str:
    """A fixed-width terminal table under a model/machine header, then the full reasons of what did not run."""
    records = _records(results)
    rows = _merged_rows(records)
    widths = [max([len(name)] + [len(row[i]) for row in rows]) for i, name in enumerate(TABLE_COLUMNS)]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.ljust(width) if name in _TEXT_COLUMNS else cell.rjust(width)
            for cell, width, name in zip(cells, widths, TABLE_COLUMNS, strict=True)
        ]
        return "  ".join(padded).rstrip()

    header = [f"model: {_model_summary(results)}", f"machine: {_machine_summary(results)}", ""]
    body = [line(TABLE_COLUMNS), "  ".join("-" * width for width in widths)]
    body += [line(row) for row in rows] if rows else ["(no records)"]
    sets = (results.get("inputs") or {}).get("sets") or {}
    if len(sets) > 1 and (quality := quality_by_set_rows(records, sets)):
        body += ["", f"PSNR dB / SSIM per input set ({', '.join(sets)}):"]
        for row in quality:
            pairs = [f"{name} {row[2 + 2 * i]} / {row[3 + 2 * i]}" for i, name in enumerate(sets)]
            body.append(f"  {row[0]} b{row[1]}: " + ", ".join(pairs))
    if not_run := _not_run(records):
        body += ["", "not run here:", *not_run]
    return "\n".join(header + body)


# --------------------------------------------------------------------------------------------- CSV


def _csv_columns(records: Sequence[Mapping[str, Any]]) -> list[str]:
    parity_keys = list(PARITY_KEYS)
    for record in records:  # keep parity keys a newer bench adds, in first-seen order
        for key, value in (record.get("parity") or {}).items():
            if key not in parity_keys and not isinstance(value, list | dict):
                parity_keys.append(key)
    return [
        "backend",
        "precision",
        "variant",
        "batch",
        "status",
        "reason",
        "artifact",
        "size_mb",
        *parity_keys,
        *(f"ms_per_image_{key}" for key in MS_PER_IMAGE_KEYS),
        "ms_per_batch_p50",
        "images_per_s",
        "peak_rss_mb",
        "gpu_peak_mb",
        "pct_of_peak",
        "speedup_vs_torch_eager",
    ]


def _csv_row(record: Mapping[str, Any], columns: Sequence[str]) -> dict[str, Any]:
    keys = ("backend", "precision", "variant", "batch", "status", "reason")
    flat: dict[str, Any] = {key: record.get(key) for key in keys}
    flat["artifact"] = record.get("artifact")
    flat["size_mb"] = record.get("size_mb")
    flat.update(record.get("parity") or {})
    for key in MS_PER_IMAGE_KEYS:
        flat[f"ms_per_image_{key}"] = _get(record, "latency", "ms_per_image", key)
    flat["ms_per_batch_p50"] = _get(record, "latency", "ms_per_batch", "p50")
    flat["images_per_s"] = _get(record, "latency", "images_per_s")
    flat["peak_rss_mb"] = _get(record, "memory", "peak_rss_mb")
    flat["gpu_peak_mb"] = _get(record, "memory", "gpu_peak_mb")
    flat["pct_of_peak"] = _get(record, "floor", "pct_of_peak")
    flat["speedup_vs_torch_eager"] = record.get("speedup_vs_torch_eager")
    return {column: "" if flat.get(column) is None else flat[column] for column in columns}


def write_csv(results: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """One flat row per record; empty cells for missing values. Floats keep full precision (inf as ``inf``)."""
    records = _records(results)
    columns = _csv_columns(records)
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow(_csv_row(record, columns))
    target = Path(path)
    with atomic_output(target) as handle:
        handle.write(buffer.getvalue().encode("utf-8"))
    return target


# --------------------------------------------------------------------------------------------- markdown


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
    if _number(threshold) is None:
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


_HOW_TO_READ = (
    "Every backend runs the same input images and is compared with the PyTorch FP32 "
    "(eager) outputs. PSNR is computed on the generator's [-1, 1] output range (data_range 2); `inf` means "
    "identical outputs, and one uint8 step is 2/255, so max abs below 1/255 changes no 8-bit pixel. "
    "Latency is per image (a batch's time divided by its size); p99 shows the tail. "
    "% of peak is the achieved FLOP/s (the model's FLOPs per image times images per second) over the peak "
    "matmul FLOP/s measured on this machine for that device and precision. Speed-up is relative to torch "
    "eager FP32 on the CPU at the same batch size (above 1 is faster). `failed-parity` rows exceeded their "
    "precision's gate: their timings are shown but they are not a valid deployment option."
)


def write_markdown(
    results: Mapping[str, Any],
    path: str | os.PathLike[str],
    chart: str | os.PathLike[str] | None = None,
    grid: str | os.PathLike[str] | None = None,
) -> Path:
    """Write report.md: context sections, gates, the records table (full reasons) and the chart/grid images.

    ``chart`` and ``grid`` are paths to the PNGs (as written by plot_latency / image_grid); the report links
    them relative to its own folder.
    """
    target = Path(path)
    model = results.get("model") or {}
    inputs = results.get("inputs") or {}
    settings = results.get("settings") or {}
    floor = results.get("floor") or {}
    gates = results.get("gates") or {}

    lines = ["# U-GAT-IT deployment benchmark", ""]
    if results.get("created_utc"):
        lines.append(f"Created {results['created_utc']}.")
    if results.get("command"):
        lines += ["", f"`{results['command']}`"]
    lines += ["", "## Model", ""]
    lines += _md_key_values(
        {
            "checkpoint": model.get("checkpoint"),
            "sha256": f"`{model['sha256']}`" if model.get("sha256") else None,
            "direction": model.get("direction"),
            **{f"config.{key}": value for key, value in (model.get("config") or {}).items()},
        }
    )
    names = inputs.get("names") or []
    lines += ["", "## Inputs", ""]
    lines += _md_key_values(
        {"size": f"{inputs['size']} px" if inputs.get("size") else None, "count": inputs.get("count")}
    )
    if names:
        lines.append("- **names**: " + ", ".join(f"`{name}`" for name in names))
    lines += ["", "## Machine", ""]
    lines += _md_key_values(dict(results.get("machine") or {}))
    lines += ["", "## Settings", ""]
    lines += _md_key_values(
        {key: (", ".join(map(str, value)) if isinstance(value, list) else value) for key, value in settings.items()}
    )
    if floor.get("flops_per_image") is not None:
        lines.append(f"- **FLOPs per image**: {floor['flops_per_image']:.3g}")
    for key, peak in (floor.get("peaks_gflops") or {}).items():
        lines.append(f"- **measured peak {key}**: {MISSING if peak is None else f'{peak:g} GFLOP/s'}")
    lines += ["", "## Parity gates", ""]
    if gates:
        for precision, checks in gates.items():
            rule = ", ".join(_gate_text(metric, threshold) for metric, threshold in (checks or {}).items())
            lines.append(f"- **{precision}**: {rule or 'none'}")
    else:
        lines.append("No gates recorded.")

    records = _records(results)
    lines += ["", "## Results", ""]
    if records:
        rows = [_row_cells(record, None) for record in records]
        numeric = [name not in _TEXT_COLUMNS for name in TABLE_COLUMNS]
        lines += _md_table(TABLE_COLUMNS, rows, numeric)
    else:
        lines.append("No records.")
    lines += _md_quality_by_set(records, inputs.get("sets") or {})
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


def quality_by_set_rows(records: Sequence[Mapping[str, Any]], sets: Mapping[str, Any]) -> list[list[str]]:
    """One row per measured record: label, batch, then PSNR and SSIM of each input set."""
    rows = []
    for record in records:
        by_set = _get(record, "parity", "by_set") or {}
        if not by_set:
            continue
        cells = [str(record.get("label")), _fmt_int(record.get("batch"))]
        for name in sets:
            stats = by_set.get(name) or {}
            cells += [_fmt_fixed(stats.get("psnr_db"), 1), _fmt_fixed(stats.get("ssim"), 4)]
        rows.append(cells)
    return rows


def _md_quality_by_set(records: Sequence[Mapping[str, Any]], sets: Mapping[str, Any]) -> list[str]:
    if len(sets) < 2:
        return []
    header = ["backend", "batch", *(f"{name} {metric}" for name in sets for metric in ("PSNR dB", "SSIM"))]
    rows = quality_by_set_rows(records, sets)
    intro = "Each input set on its own (a lossy mode must pass on the natural photos, not only on the mix):"
    numeric = [False, True, *[True] * (len(header) - 2)]
    return ["", "## Quality per input set", "", intro, "", *_md_table(header, rows, numeric)]


# --------------------------------------------------------------------------------------------- chart


def _bar_label(record: Mapping[str, Any]) -> str:
    label = record.get("label") or f"{record.get('backend')} {record.get('precision')}"
    return f"{label}  b{record.get('batch')}"


def plot_latency(results: Mapping[str, Any], path: str | os.PathLike[str]) -> Path | None:
    """Horizontal bars of ms/image p50 (p99 whisker), one colour per batch; None and no file if nothing ran."""
    timed = [
        record for record in _records(results) if _number(_get(record, "latency", "ms_per_image", "p50")) is not None
    ]
    if not timed:
        return None

    # Figure + FigureCanvasAgg instead of pyplot: no global backend switch, no figure registry to leak into.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    batches = sorted({record.get("batch") for record in timed}, key=lambda batch: (batch is None, batch or 0))
    palette = [f"C{index % 10}" for index in range(len(batches))]
    colour = dict(zip(batches, palette, strict=True))

    p50 = [float(_get(record, "latency", "ms_per_image", "p50")) for record in timed]
    p99 = [_number(_get(record, "latency", "ms_per_image", "p99")) for record in timed]
    whisker = [max(0.0, high - low) if high is not None else 0.0 for low, high in zip(p50, p99, strict=True)]
    failed = [record.get("status") == "failed-parity" for record in timed]

    fig = Figure(figsize=(9, 1.2 + 0.38 * len(timed)), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    positions = list(range(len(timed)))
    bars = ax.barh(
        positions,
        p50,
        xerr=[[0.0] * len(timed), whisker],
        color=[colour[record.get("batch")] for record in timed],
        edgecolor="black",
        linewidth=0.6,
        error_kw={"ecolor": "black", "capsize": 3, "linewidth": 0.8},
    )
    for bar, is_failed in zip(bars, failed, strict=True):
        if is_failed:
            bar.set_hatch("///")
            bar.set_alpha(0.6)
    ax.set_yticks(positions, [_bar_label(record) for record in timed])
    for tick, is_failed in zip(ax.get_yticklabels(), failed, strict=True):
        if is_failed:
            tick.set_color("firebrick")
    ax.invert_yaxis()  # first record at the top, as in the table
    ax.set_xlabel("ms per image (lower is better)")
    ax.set_xlim(left=0)
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(f"{_model_summary(results)}\n{_machine_summary(results)}", fontsize=9)

    handles = [Patch(facecolor=colour[batch], edgecolor="black", label=f"batch {batch}") for batch in batches]
    if any(failed):
        handles.append(Patch(facecolor="white", edgecolor="black", hatch="///", label="failed parity"))
    fig.legend(handles=handles, loc="outside right upper", fontsize=8)

    target = Path(path)
    with atomic_output(target) as handle:
        fig.savefig(handle, format="png", dpi=110)
    return target


# --------------------------------------------------------------------------------------------- image grid


def _check_images(name: str, images: np.ndarray, shape: tuple[int, ...] | None) -> np.ndarray:
    array = np.asarray(images)
    if array.ndim != 4 or array.shape[1] != 3:
        raise ValueError(f"{name}: expected N x 3 x H x W images, got shape {array.shape}")
    if shape is not None and array.shape != shape:
        raise ValueError(f"{name}: shape {array.shape} does not match the reference {shape}")
    return array


def _tile_scale(height: int, width: int) -> int:
    """Integer nearest-neighbour factor that makes the shorter side at least GRID_MIN_TILE (1 if it already is)."""
    return max(1, math.ceil(GRID_MIN_TILE / min(height, width)))


def _to_rgb_tiles(images: np.ndarray) -> np.ndarray:
    """N x 3 x H x W in [-1, 1] -> N x H x W x 3 uint8; NaN shows as mid-grey, +-inf as white/black."""
    finite = np.nan_to_num(images.astype(np.float32), nan=0.0, posinf=1.0, neginf=-1.0)
    return to_uint8(finite).transpose(0, 2, 3, 1)


def _error_tiles(output: np.ndarray, reference: np.ndarray, amplify: float) -> np.ndarray:
    """Per-pixel max |output - reference| over channels, times amplify, as grayscale RGB; non-finite = white."""
    error = np.abs(output.astype(np.float64) - reference.astype(np.float64)).max(axis=1)
    error = np.where(np.isfinite(error), error * amplify, np.inf)
    gray = np.round(np.clip(error, 0.0, 1.0) * 255).astype(np.uint8)
    return np.repeat(gray[..., None], 3, axis=-1)


def _fit_text(text: str, font: Any, width: int) -> str:
    """``text`` shortened with '...' until it fits ``width`` pixels in ``font``."""
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "...") > width:
        text = text[:-1]
    return text + "..."


def _draw_label(draw: Any, font: Any, lines: Sequence[str], top: int, tile_height: int) -> None:
    # The default font is bitmap/Latin-1 on some Pillow builds: keep labels ASCII.
    lines = [
        _fit_text(line.encode("ascii", "replace").decode(), font, GRID_LABEL_WIDTH - 2 * GRID_GAP) for line in lines
    ]
    line_height = font.getbbox("Ag")[3] + 3
    y = top + max(0, (tile_height - line_height * len(lines)) // 2)
    for line in lines:
        draw.text((GRID_GAP, y), line, fill=GRID_TEXT, font=font)
        y += line_height


def image_grid(
    inputs: np.ndarray,
    reference: np.ndarray,
    outputs: Mapping[str, np.ndarray],
    path: str | os.PathLike[str],
    amplify: float = 10.0,
) -> Path:
    """PNG of inputs, the torch FP32 reference and, per backend, its output and error map (|out - ref| x amplify).

    One column per image (the first GRID_MAX_COLUMNS). Small images are upscaled by an integer
    nearest-neighbour factor to at least GRID_MIN_TILE px. Error maps are grayscale: black = identical.
    """
    from PIL import Image, ImageDraw, ImageFont

    if not amplify > 0:
        raise ValueError(f"amplify must be positive, got {amplify}")
    reference = _check_images("reference", reference, None)[:GRID_MAX_COLUMNS]
    inputs = _check_images("inputs", inputs, None)[:GRID_MAX_COLUMNS]
    if inputs.shape != reference.shape:
        raise ValueError(f"inputs: shape {inputs.shape} does not match the reference {reference.shape}")
    columns, _, height, width = reference.shape
    if columns == 0:
        raise ValueError("image_grid needs at least one image")

    rows: list[tuple[list[str], np.ndarray]] = [(["input"], _to_rgb_tiles(inputs))]
    rows.append((["reference", "torch fp32"], _to_rgb_tiles(reference)))
    for label, images in outputs.items():
        output = _check_images(label, np.asarray(images)[:GRID_MAX_COLUMNS], reference.shape)
        rows.append(([label], _to_rgb_tiles(output)))
        rows.append(([label, f"|error| x{amplify:g}"], _error_tiles(output, reference, amplify)))

    scale = _tile_scale(height, width)
    tile_h, tile_w = height * scale, width * scale
    canvas = Image.new(
        "RGB",
        (GRID_LABEL_WIDTH + GRID_GAP + columns * (tile_w + GRID_GAP), GRID_GAP + len(rows) * (tile_h + GRID_GAP)),
        GRID_BACKGROUND,
    )
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default()
    for row_index, (label_lines, tiles) in enumerate(rows):
        top = GRID_GAP + row_index * (tile_h + GRID_GAP)
        _draw_label(draw, font, label_lines, top, tile_h)
        for column in range(columns):
            tile = Image.fromarray(np.ascontiguousarray(tiles[column]))
            if scale > 1:
                tile = tile.resize((tile_w, tile_h), Image.Resampling.NEAREST)
            canvas.paste(tile, (GRID_LABEL_WIDTH + GRID_GAP + column * (tile_w + GRID_GAP), top))

    target = Path(path)
    with atomic_output(target) as handle:
        canvas.save(handle, format="PNG")
    return target
