"""Bench stage 4, the comparisons: a backend's images against the reference (parity and its gate, per
input set too), speed-ups over eager FP32, and each record's share of the measured peak of its precision."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..backends import BACKENDS
from ..backends.registry import BROWSER
from ..core.cpu_caps import CAPPED_FAMILIES, onednn_cap
from ..core.gates import Gate
from ..core.parity import ImageParity, image_parity
from ..formats import FORMATS
from ..forms import FORMS, REFERENCE_FORM
from .peaks import Peak
from .records import BenchRecord, GateResult, Parity, SetQuality


@dataclass(frozen=True)
class Measured:
    """A backend's images against the reference: all images, and each input set on its own (as measured,
    for the gates), and the record's ``Parity`` (per-image PSNR and per-set figures as results.json keeps them)."""

    overall: ImageParity
    by_set: dict[str, ImageParity]
    record: Parity


def parity_of(reference: np.ndarray, outputs: np.ndarray, sets: Mapping[str, Sequence[int]]) -> Measured:
    """Parity of all images, of each image (PSNR) and of each input set on its own."""
    per_image = [round(image_parity(r, o).psnr_db, 2) for r, o in zip(reference, outputs, strict=True)]
    by_set = {name: image_parity(reference[start:stop], outputs[start:stop]) for name, (start, stop) in sets.items()}
    overall = image_parity(reference, outputs)
    qualities = {name: SetQuality(p.psnr_db, p.ssim, p.max_abs) for name, p in by_set.items()}
    return Measured(overall, by_set, Parity.from_image(overall, psnr_per_image=per_image, by_set=qualities))


def judge(measured: Measured, gate: Gate) -> GateResult:
    """The gate on all images; with several input sets, its PSNR/SSIM thresholds on each set too (the
    photos must pass even when the demo images pull the mean up)."""
    failures = gate.failures(measured.overall)
    if len(measured.by_set) > 1:
        per_set = Gate(min_psnr_db=gate.min_psnr_db, min_ssim=gate.min_ssim)
        failures += [f for name, p in measured.by_set.items() for f in per_set.failures(p, label=name)]
    return GateResult(not failures, failures, gate.describe())


def _is_eager_baseline(record: BenchRecord) -> bool:
    """A checkpoint runner (PyTorch eager) at FP32 with no extra options switched on."""
    spec = BACKENDS.get(record.backend)
    return (spec is not None and spec.runs == "checkpoint" and record.precision == REFERENCE_FORM
            and not any(value is True for value in record.options.values()))  # fmt: skip


def add_speedups(records: Sequence[BenchRecord]) -> None:
    """Speed-up over the eager FP32 reference runner on the same device and batch."""
    for record in records:
        spec = BACKENDS.get(record.backend)
        if record.latency is None or spec is None:
            continue
        base = next((r for r in records if r.latency is not None and r.batch == record.batch
                     and _is_eager_baseline(r) and _host(BACKENDS[r.backend].device) == _host(spec.device)),
                    None)  # fmt: skip
        if base is not None and base.latency is not None:
            record.speedup_vs_torch_eager = base.latency.ms_per_image.p50 / record.latency.ms_per_image.p50


def _host(device: str) -> str:
    """The hardware a registry device computes on: a page's WebAssembly runs on the CPU (against PyTorch on it)."""
    return "cpu" if device == BROWSER else device


def best_peaks(first: Mapping[str, Peak], again: Mapping[str, Peak]) -> dict[str, Peak]:
    """Per peak key, the higher of two measurements with the kernel that measured it (the peak drifts on a
    shared machine); a key measured in neither keeps the first's reason."""
    best: dict[str, Peak] = {}
    for key, peak in first.items():
        other = again.get(key)
        best[key] = other if other is not None and (other.gflops or 0) > (peak.gflops or 0) else peak
    return best


def runs_winograd(backend: str, form: str = "") -> bool:
    """Whether ``backend`` runs a format whose CPU runtime computes 3x3 convolutions as Winograd transforms
    (MNN, ncnn), or a file whose graph form does (``GraphForm.winograd``): its rate may pass the matmul peak."""
    spec = BACKENDS.get(backend)
    fmt = FORMATS.get(spec.runs) if spec is not None else None
    return (fmt is not None and fmt.winograd) or (form in FORMS and FORMS[form].winograd)


def ignores_cap(backend: str, environ: Mapping[str, str] | None = None) -> bool:
    """Whether ``backend`` brings its own kernels (ONNX Runtime, MNN, ncnn) while ONEDNN_MAX_CPU_ISA caps this
    process: its rate is the whole CPU's, not the capped class's."""
    spec = BACKENDS.get(backend)
    return onednn_cap(environ) is not None and spec is not None and spec.family not in CAPPED_FAMILIES


def apply_peaks(records: Sequence[BenchRecord], peaks: Mapping[str, float | None]) -> None:
    """Each record's floor against these peaks (GFLOP/s by peak key): its share of its own peak, or a note
    where it passes it (``Floor.with_peak``)."""
    for record in records:
        if record.floor is not None:
            peak = peaks.get(record.floor.peak_key)
            record.floor = record.floor.with_peak(peak, runs_winograd(record.backend, record.form),
                                                  ignores_cap(record.backend))  # fmt: skip
