"""Typed results of ``ugatit-deploy bench``: one ``BenchRecord`` per backend x precision x batch, and
``BenchResults`` for a whole results.json (schema ``ugatit-deploy/bench`` v1, docs/benchmarks.md).

``to_dict`` / ``from_dict`` follow the documented schema key for key and in order, so a results.json read
and written again is the same text. Keys older benches did not write (``variant``, ``ssim``,
``psnr_per_image``, ``by_set``, ``inputs.sets``, ``settings.rounds``, ``floor.peak_kernels``) are None here
and stay absent on the way out, as a record's ``floor.note`` where it has none; parity keys a newer bench adds
are kept in ``Parity.extra``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Self

from ..core.errors import UgatitDeployError
from ..core.parity import ImageParity
from ..training.task_score import TaskScore

SCHEMA = "ugatit-deploy/bench"
SCHEMA_VERSION = 1

# Record statuses (docs/benchmarks.md, "Statuses").
OK = "ok"
FAILED_PARITY = "failed-parity"
UNAVAILABLE = "unavailable"
UNSUPPORTED = "unsupported"
FAILED = "failed"
STATUSES = (OK, FAILED_PARITY, UNAVAILABLE, UNSUPPORTED, FAILED)


class SchemaError(UgatitDeployError, ValueError):
    """A results.json this version cannot read."""


def _present(pairs: Iterable[tuple[str, Any]], optional: Iterable[str]) -> dict[str, Any]:
    """The pairs as a dict, without the optional keys whose value is None (absent in the file)."""
    skip = set(optional)
    return {key: value for key, value in pairs if not (key in skip and value is None)}


class _Flat:
    """``to_dict`` / ``from_dict`` of a dataclass whose fields are JSON values, one key each, in field order;
    the fields named in ``_optional`` are absent from the dict when None."""

    _optional: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return _present(asdict(self).items(), self._optional)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        names = [f.name for f in fields(cls)]
        return cls(**{name: data.get(name) if name in cls._optional else data[name] for name in names})


@dataclass(frozen=True)
class Stats(_Flat):
    """Percentiles, mean, std and min of a list of milliseconds."""

    p50: float
    p90: float
    p99: float
    mean: float
    std: float
    min: float

    def divided_by(self, divisor: float) -> Stats:
        return Stats(**{f.name: getattr(self, f.name) / divisor for f in fields(self)})


@dataclass(frozen=True)
class Latency:
    """The timed runs of one record: per batch and per image, throughput at p50, the raw samples."""

    ms_per_batch: Stats
    ms_per_image: Stats
    images_per_s: float
    iters: int
    samples_ms: list[float]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Latency:
        return cls(Stats.from_dict(data["ms_per_batch"]), Stats.from_dict(data["ms_per_image"]),
                   data["images_per_s"], data["iters"], list(data["samples_ms"]))  # fmt: skip


@dataclass(frozen=True)
class SetQuality(_Flat):
    """Parity of one input set on its own (the photos, the demo images)."""

    psnr_db: float
    ssim: float
    max_abs: float


@dataclass(frozen=True, kw_only=True)
class Parity:
    """A backend's images against the PyTorch FP32 reference, as results.json keeps them (measured as
    ``core.parity.ImageParity``)."""

    max_abs: float
    mean_abs: float
    p99_abs: float
    psnr_db: float
    ssim: float | None = None  # None: a record of a bench that did not measure it
    changed_uint8_pct: float
    nonfinite: int
    extra: dict[str, Any] = field(default_factory=dict)  # parity keys a newer bench adds, kept as read
    psnr_per_image: list[float] | None = None
    by_set: dict[str, SetQuality] | None = None

    @classmethod
    def from_stats(cls, stats: Mapping[str, Any], psnr_per_image: list[float] | None = None,
                   by_set: dict[str, SetQuality] | None = None) -> Parity:  # fmt: skip
        """From an ``image_parity`` result; keys this version does not know go to ``extra``."""
        known = {f.name for f in fields(cls)} - {"extra", "psnr_per_image", "by_set"}
        extra = {key: value for key, value in stats.items() if key not in known}
        return cls(**{key: value for key, value in stats.items() if key in known}, extra=extra,
                   psnr_per_image=psnr_per_image, by_set=by_set)  # fmt: skip

    @classmethod
    def from_image(cls, parity: ImageParity, psnr_per_image: list[float] | None = None,
                   by_set: dict[str, SetQuality] | None = None) -> Parity:  # fmt: skip
        """From a fresh measurement (``core.parity.image_parity``)."""
        return cls.from_stats(parity.to_dict(), psnr_per_image, by_set)

    def scalars(self) -> dict[str, Any]:
        """The single-number measures, ``extra``'s after the known ones: what gates and the CSV read."""
        return {key: value for key, value in self.to_dict().items() if not isinstance(value, list | dict)}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"max_abs": self.max_abs, "mean_abs": self.mean_abs, "p99_abs": self.p99_abs,
                               "psnr_db": self.psnr_db}  # fmt: skip
        if self.ssim is not None:
            out["ssim"] = self.ssim
        out |= {"changed_uint8_pct": self.changed_uint8_pct, "nonfinite": self.nonfinite, **self.extra}
        if self.psnr_per_image is not None:
            out["psnr_per_image"] = list(self.psnr_per_image)
        if self.by_set is not None:
            out["by_set"] = {name: quality.to_dict() for name, quality in self.by_set.items()}
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Parity:
        per_image, by_set = data.get("psnr_per_image"), data.get("by_set")
        return cls.from_stats(
            {key: value for key, value in data.items() if key not in ("psnr_per_image", "by_set")},
            psnr_per_image=list(per_image) if per_image is not None else None,
            by_set={name: SetQuality.from_dict(q) for name, q in by_set.items()} if by_set is not None else None,
        )


@dataclass(frozen=True)
class GateResult(_Flat):
    """The record's precision gate: whether it passed, what failed, and the thresholds applied."""

    passed: bool
    failures: list[str]
    thresholds: dict[str, float]  # ``Gate.describe()``: {maxabs | psnr | ssim | aux: threshold}


@dataclass(frozen=True)
class Memory(_Flat):
    """Peak host RSS during the timed runs; peak device memory for GPU backends (None on the host)."""

    peak_rss_mb: float
    gpu_peak_mb: float | None = None


@dataclass(frozen=True)
class Floor(_Flat):
    """Achieved GFLOP/s and its share of the measured peak of the record's device and precision
    (``peak_key``). The share is never over 100 %: where the achieved rate passes the peak, ``pct_of_peak``
    is None and ``note`` says why (None otherwise, and absent from the file)."""

    gflops_achieved: float
    peak_gflops: float | None
    peak_key: str
    pct_of_peak: float | None
    note: str | None = None

    _optional = ("note",)

    @classmethod
    def of(cls, flops_per_image: int, images_per_s: float, peak_key: str, peak: float | None,
           winograd: bool = False, uncapped: bool = False) -> Floor:  # fmt: skip
        return cls(flops_per_image * images_per_s / 1e9, None, peak_key, None).with_peak(peak, winograd, uncapped)

    def with_peak(self, peak: float | None, winograd: bool = False, uncapped: bool = False) -> Floor:
        """This floor against ``peak``; ``winograd``: the runtime computes 3x3 convolutions as Winograd
        transforms (fewer multiplications than the direct count), ``uncapped``: its own kernels ignore the
        ONEDNN_MAX_CPU_ISA cap the peak was measured under; the expected causes of a rate above it."""
        achieved = self.gflops_achieved
        if not peak or achieved <= peak:
            return replace(self, peak_gflops=peak, pct_of_peak=100 * achieved / peak if peak else None, note=None)
        if winograd:
            note = (f"Winograd: effective {achieved:.1f} GFLOP/s counts direct-convolution FLOPs; its transforms "
                    f"do fewer multiplications, so it exceeds the {peak:.1f} GFLOP/s {self.peak_key} peak")  # fmt: skip
        elif uncapped:
            note = (f"not capped: its own kernels ignore ONEDNN_MAX_CPU_ISA and use the whole CPU, so its "
                    f"{achieved:.1f} GFLOP/s passes the capped class's {peak:.1f} GFLOP/s {self.peak_key} "
                    "peak")  # fmt: skip
        else:
            note = (f"above the measured {self.peak_key} peak ({achieved:.1f} > {peak:.1f} GFLOP/s): the peak "
                    "measurement is low")  # fmt: skip
        return replace(self, peak_gflops=peak, pct_of_peak=None, note=note)


_PARTS: dict[str, Any] = {"parity": Parity, "gate": GateResult, "latency": Latency, "memory": Memory, "floor": Floor}


@dataclass(kw_only=True)
class BenchRecord:
    """One backend x precision x batch. The parts are None where nothing was measured (unavailable,
    unsupported, failed); ``variant`` is None only in records of benches that predate it."""

    backend: str
    precision: str
    variant: str | None = ""  # "keep-fp N" for INT8 files with extra float layers
    options: dict[str, Any] = field(default_factory=dict)
    batch: int
    label: str
    artifact: str | None = None  # file name
    size_mb: float | None = None
    status: str
    reason: str = ""
    parity: Parity | None = None
    gate: GateResult | None = None
    latency: Latency | None = None
    memory: Memory | None = None
    floor: Floor | None = None
    speedup_vs_torch_eager: float | None = None
    task: TaskScore | None = None  # the task score (a cartoonize model only); absent from the file when None

    @property
    def mode(self) -> str:
        """Precision and variant, e.g. ``int8-cpu keep-fp 9``."""
        return " ".join(filter(None, (self.precision, self.variant)))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("variant", "task") and value is None:
                continue
            if f.name in _PARTS or f.name == "task":
                value = value.to_dict() if value is not None else None
            elif f.name == "options":
                value = dict(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BenchRecord:
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = data.get(f.name)
            if f.name in _PARTS and value is not None:
                value = _PARTS[f.name].from_dict(value)
            elif f.name == "options":
                value = dict(value or {})
            elif f.name == "task" and value is not None:
                value = TaskScore.from_dict(value, "task")
            values[f.name] = value
        return cls(**values)


@dataclass(frozen=True)
class ModelInfo(_Flat):
    """The benchmarked checkpoint: file name, SHA-256, direction and generator config."""

    checkpoint: str
    sha256: str
    direction: str
    config: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class Inputs(_Flat):
    """The input images: size, names, and the sets judged on their own ([start, stop) index ranges)."""

    size: int
    count: int
    names: list[str]
    sets: dict[str, list[int]] | None = None  # None: a bench that predates the sets
    source: str

    _optional = ("sets",)


@dataclass(frozen=True, kw_only=True)
class RunSettings(_Flat):
    """The timing settings a results.json records."""

    warmup: int
    iters: int
    rounds: int | None = None  # None: a bench that predates --rounds
    threads: int | None = None
    batches: list[int]

    _optional = ("rounds",)


@dataclass(frozen=True)
class FloorSummary(_Flat):
    """The model's FLOPs per image and the peaks measured in the run (GFLOP/s by peak key), with the kernel
    that measured each, or why it was not (``peak_kernels``: None in benches that predate it)."""

    flops_per_image: int
    peaks_gflops: dict[str, float | None]
    peak_kernels: dict[str, str] | None = None

    _optional = ("peak_kernels",)


@dataclass(kw_only=True)
class BenchResults:
    """A whole results.json. ``machine`` is an open description of the environment (a plain dict)."""

    schema: str = SCHEMA
    schema_version: int = SCHEMA_VERSION
    created_utc: str
    command: str
    machine: dict[str, Any]
    model: ModelInfo
    inputs: Inputs
    settings: RunSettings
    floor: FloorSummary
    gates: dict[str, dict[str, float]]  # precision -> Gate.describe() of the gate applied
    gated_precisions: list[str]  # the precisions --gate named: they decide the exit code
    records: list[BenchRecord] = field(default_factory=list)

    def gate_failures(self) -> list[str]:
        """``<label> batch <n>`` of the gated records that failed parity or crashed."""
        return [f"{r.label} batch {r.batch}" for r in self.records
                if r.precision in self.gated_precisions and r.status in (FAILED_PARITY, FAILED)]  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "schema_version": self.schema_version,
            "created_utc": self.created_utc,
            "command": self.command,
            "machine": dict(self.machine),
            "model": self.model.to_dict(),
            "inputs": self.inputs.to_dict(),
            "settings": self.settings.to_dict(),
            "floor": self.floor.to_dict(),
            "gates": {precision: dict(thresholds) for precision, thresholds in self.gates.items()},
            "gated_precisions": list(self.gated_precisions),
            "records": [record.to_dict() for record in self.records],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BenchResults:
        """Read a results.json dict; SchemaError for another schema or a newer version."""
        if data.get("schema") != SCHEMA:
            raise SchemaError(f"not a bench results file: schema {data.get('schema')!r}, expected {SCHEMA!r}")
        version = data.get("schema_version")
        if not isinstance(version, int) or not 1 <= version <= SCHEMA_VERSION:
            raise SchemaError(f"{SCHEMA} version {version!r}: this ugatit-deploy reads versions 1-{SCHEMA_VERSION}")
        return cls(
            schema=data["schema"],
            schema_version=version,
            created_utc=data["created_utc"],
            command=data["command"],
            machine=dict(data["machine"]),
            model=ModelInfo.from_dict(data["model"]),
            inputs=Inputs.from_dict(data["inputs"]),
            settings=RunSettings.from_dict(data["settings"]),
            floor=FloorSummary.from_dict(data["floor"]),
            gates={precision: dict(thresholds) for precision, thresholds in data["gates"].items()},
            gated_precisions=list(data["gated_precisions"]),
            records=[BenchRecord.from_dict(record) for record in data["records"]],
        )
