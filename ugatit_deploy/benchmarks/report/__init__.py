"""Human-facing outputs of ``ugatit-deploy bench``, one module per thing drawn: the terminal table and the
shared cell formatting (``table``), results.csv (``csv_out``), report.md (``markdown``), the latency chart
(``chart``), the image grids (``grid``) and, for ``bench --isa``, classes.md (``classes``, from ``ClassesRecord``).

Every renderer reads ``BenchResults`` (``..records``); records whose parts are None (unavailable or
failed backends) show as ``-`` / empty cells. Files are written atomically, so an interrupted run never
leaves a half-written report behind.
"""

from .chart import plot_latency
from .classes import format_classes
from .csv_out import csv_columns, write_csv
from .grid import (
    GRID_BACKGROUND,
    GRID_GAP,
    GRID_LABEL_WIDTH,
    GRID_MAX_COLUMNS,
    GRID_MIN_TILE,
    GRID_SAME_LEVELS,
    GRID_TEXT,
    SUMMARY_MAX_COLUMNS,
    SUMMARY_MAX_SIDE,
    chosen_grid,
    image_grid,
)
from .markdown import write_markdown
from .table import MISSING, TABLE_COLUMNS, format_table, quality_by_set_rows

__all__ = [
    "GRID_BACKGROUND",
    "GRID_GAP",
    "GRID_LABEL_WIDTH",
    "GRID_MAX_COLUMNS",
    "GRID_MIN_TILE",
    "GRID_SAME_LEVELS",
    "GRID_TEXT",
    "MISSING",
    "SUMMARY_MAX_COLUMNS",
    "SUMMARY_MAX_SIDE",
    "TABLE_COLUMNS",
    "chosen_grid",
    "csv_columns",
    "format_classes",
    "format_table",
    "image_grid",
    "plot_latency",
    "quality_by_set_rows",
    "write_csv",
    "write_markdown",
]
