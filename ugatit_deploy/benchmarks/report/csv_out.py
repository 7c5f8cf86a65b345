"""results.csv: one flat row per record, empty cells for missing values."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ...core.fileio import atomic_output
from ..records import BenchRecord, BenchResults

PARITY_KEYS = ("max_abs", "mean_abs", "p99_abs", "psnr_db", "ssim", "changed_uint8_pct", "nonfinite")
MS_PER_IMAGE_KEYS = ("p50", "p90", "p99", "mean", "std")


def csv_columns(records: Sequence[BenchRecord]) -> list[str]:
    """The flat columns; parity measures a newer bench adds follow the known ones, in first-seen order."""
    parity_keys = list(PARITY_KEYS)
    for record in records:
        for key in record.parity.scalars() if record.parity else ():
            if key not in parity_keys:
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
        "peak_key",
        "floor_note",
        "speedup_vs_torch_eager",
    ]


def _csv_row(record: BenchRecord, columns: Sequence[str]) -> dict[str, Any]:
    flat: dict[str, Any] = {
        "backend": record.backend,
        "precision": record.precision,
        "variant": record.variant,
        "batch": record.batch,
        "status": record.status,
        "reason": record.reason,
        "artifact": record.artifact,
        "size_mb": record.size_mb,
    }
    if record.parity is not None:
        flat.update(record.parity.scalars())
    if (latency := record.latency) is not None:
        per_image = latency.ms_per_image.to_dict()
        flat.update({f"ms_per_image_{key}": per_image[key] for key in MS_PER_IMAGE_KEYS})
        flat["ms_per_batch_p50"] = latency.ms_per_batch.p50
        flat["images_per_s"] = latency.images_per_s
    if record.memory is not None:
        flat["peak_rss_mb"] = record.memory.peak_rss_mb
        flat["gpu_peak_mb"] = record.memory.gpu_peak_mb
    if record.floor is not None:
        flat["pct_of_peak"] = record.floor.pct_of_peak
        flat["peak_key"] = record.floor.peak_key
        flat["floor_note"] = record.floor.note
    flat["speedup_vs_torch_eager"] = record.speedup_vs_torch_eager
    return {column: "" if flat.get(column) is None else flat[column] for column in columns}


def write_csv(results: BenchResults, path: str | os.PathLike[str]) -> Path:
    """One flat row per record; empty cells for missing values. Floats keep full precision (inf as ``inf``)."""
    columns = csv_columns(results.records)
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for record in results.records:
        writer.writerow(_csv_row(record, columns))
    target = Path(path)
    with atomic_output(target) as handle:
        handle.write(buffer.getvalue().encode("utf-8"))
    return target
