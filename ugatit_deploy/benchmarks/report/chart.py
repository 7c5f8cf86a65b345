"""latency.png: horizontal bars of ms per image (p50, p99 whisker), one colour per batch size."""

from __future__ import annotations

import os
from pathlib import Path

from ...core.fileio import atomic_output
from ..records import FAILED_PARITY, BenchRecord, BenchResults
from .table import machine_summary, model_summary


def _bar_label(record: BenchRecord) -> str:
    label = record.label or f"{record.backend} {record.precision}"
    return f"{label}  b{record.batch}"


def plot_latency(results: BenchResults, path: str | os.PathLike[str]) -> Path | None:
    """Horizontal bars of ms/image p50 (p99 whisker), one colour per batch; None and no file if nothing ran."""
    timed = [record for record in results.records if record.latency is not None]
    if not timed:
        return None

    # Figure + FigureCanvasAgg instead of pyplot: no global backend switch, no figure registry to leak into.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    batches = sorted({record.batch for record in timed})
    palette = [f"C{index % 10}" for index in range(len(batches))]
    colour = dict(zip(batches, palette, strict=True))

    p50 = [float(record.latency.ms_per_image.p50) for record in timed if record.latency is not None]
    p99 = [float(record.latency.ms_per_image.p99) for record in timed if record.latency is not None]
    whisker = [max(0.0, high - low) for low, high in zip(p50, p99, strict=True)]
    failed = [record.status == FAILED_PARITY for record in timed]

    fig = Figure(figsize=(9, 1.2 + 0.38 * len(timed)), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    positions = list(range(len(timed)))
    bars = ax.barh(
        positions,
        p50,
        xerr=[[0.0] * len(timed), whisker],
        color=[colour[record.batch] for record in timed],
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
    ax.set_title(f"{model_summary(results)}\n{machine_summary(results)}", fontsize=9)

    handles = [Patch(facecolor=colour[batch], edgecolor="black", label=f"batch {batch}") for batch in batches]
    if any(failed):
        handles.append(Patch(facecolor="white", edgecolor="black", hatch="///", label="failed parity"))
    fig.legend(handles=handles, loc="outside right upper", fontsize=8)

    target = Path(path)
    with atomic_output(target) as handle:
        fig.savefig(handle, format="png", dpi=110)
    return target
