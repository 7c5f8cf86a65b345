"""Typed results of ``ugatit-deploy bench``: one ``BenchRecord`` per backend x graph form x compute hints x
batch, and ``BenchResults`` for a whole results.json (schema ``ugatit-deploy/bench``, docs/benchmarks.md).

Every record type is a ``codec.JsonCodec``: one key per field, in field order, so a results.json of this
version read and written again is the same text. Version 2 writes every key, null where nothing was measured
(or a version 1 file did not say); only a record's ``task`` and a floor's ``note`` are absent when there are
none. Parity measures a newer bench adds are kept in ``Parity.extra``.

Version 1 files still read: ``upgrade_v1`` recovers each record's graph form and compute hints from its
precision, variant and options (``split_label``) and reads the keys older benches did not write as null (a
record's ``variant`` as ""). A version 1 file read and written again is written as version 2.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ..backends import BACKENDS
from ..core.errors import UgatitDeployError
from ..core.jsonrecord import RecordError
from ..core.parity import ImageParity
from ..forms import COMPUTE_HINTS, FORMS, REFERENCE_FORM, join_hints, label
from ..training.task_score import TaskScore
from .codec import DERIVED, REST, JsonCodec, optional

SCHEMA = "ugatit-deploy/bench"
SCHEMA_VERSION = 2

# Record statuses (docs/benchmarks.md, "Statuses").
OK = "ok"
FAILED_PARITY = "failed-parity"
UNAVAILABLE = "unavailable"
UNSUPPORTED = "unsupported"
FAILED = "failed"
STATUSES = (OK, FAILED_PARITY, UNAVAILABLE, UNSUPPORTED, FAILED)

CHECKPOINT_FORM = REFERENCE_FORM  # the graph form of what a checkpoint runner runs, and of a float file a hint computes
# Runner options that set a compute hint: OpenVINO's record option, the bench mode's option.
HINT_OPTIONS = {"throughput_hint": "throughput", "throughput": "throughput"}


class SchemaError(UgatitDeployError, ValueError):
    """A results.json this version cannot read."""


def _variant_hints(variant: str) -> tuple[str, tuple[str, ...]]:
    """``keep-fp 3 +bf16`` -> (``keep-fp 3``, ("bf16",)): the artifact's own variant and the ``+HINT`` words."""
    words = variant.split(" ")
    hinted = [word.startswith("+") and word[1:] in COMPUTE_HINTS for word in words]
    own = " ".join(word for word, hint in zip(words, hinted, strict=True) if not hint)
    return own, tuple(word[1:] for word, hint in zip(words, hinted, strict=True) if hint)


def split_label(precision: str, variant: str, checkpoint: bool,
                options: Mapping[str, Any] | None = None) -> tuple[str, str, str]:  # fmt: skip
    """(form, compute, own variant) of a run labelled the way version 1 did, by ``precision`` and ``variant``
    (``checkpoint``: its backend runs checkpoints). A precision that names an arithmetic compute hint and no form
    (``bf16``), or a checkpoint runner's that names one (torch's fp16 autocast was ``fp16``): form fp32 computed
    so. ``+HINT`` words of the variant (an INT8 file's ``+bf16``) are hints, the rest is the artifact's own
    variant; a runner option of ``HINT_OPTIONS`` (``throughput_hint``) adds its hint. Otherwise the precision is
    the form, a name no form has (``-``, ``?``) included. ``forms.label`` of the result gives them back."""
    own, hints = _variant_hints(variant)
    hint = COMPUTE_HINTS.get(precision)
    form = precision
    if hint is not None and hint.kernel and (checkpoint or precision not in FORMS):
        form, hints = CHECKPOINT_FORM, (precision, *hints)
    hints += tuple(name for key, name in HINT_OPTIONS.items() if (options or {}).get(key) is True)
    return form, join_hints(hints), own


@dataclass(frozen=True)
class Stats(JsonCodec):
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
class Latency(JsonCodec):
    """The timed runs of one record: per batch and per image, throughput at p50, the raw samples."""

    ms_per_batch: Stats
    ms_per_image: Stats
    images_per_s: float
    iters: int
    samples_ms: list[float]


@dataclass(frozen=True)
class SetQuality(JsonCodec):
    """Parity of one input set on its own (the photos, the demo images)."""

    psnr_db: float
    ssim: float
    max_abs: float


@dataclass(frozen=True, kw_only=True)
class Parity(JsonCodec):
    """A backend's images against the PyTorch FP32 reference, as results.json keeps them (measured as
    ``core.parity.ImageParity``); the keys of measures this version does not know are kept in ``extra``."""

    max_abs: float
    mean_abs: float
    p99_abs: float
    psnr_db: float
    ssim: float | None = None  # None: a version 1 bench that did not measure it
    changed_uint8_pct: float
    nonfinite: int
    extra: dict[str, Any] = field(default_factory=dict, metadata=REST)  # a newer bench's measures, as read
    psnr_per_image: list[float] | None = None  # None (and by_set): a version 1 bench that predates them
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
        """The single-number measures that were measured, ``extra``'s after the known ones: what the CSV reads."""
        return {key: value for key, value in self.to_dict().items()
                if value is not None and not isinstance(value, list | dict)}  # fmt: skip


@dataclass(frozen=True)
class GateResult(JsonCodec):
    """The record's precision gate: whether it passed, what failed, and the thresholds applied."""

    passed: bool
    failures: list[str]
    thresholds: dict[str, float]  # ``Gate.describe()``: {maxabs | psnr | ssim | aux: threshold}


@dataclass(frozen=True)
class Memory(JsonCodec):
    """Peak host RSS during the timed runs; peak device memory for GPU backends (None on the host)."""

    peak_rss_mb: float
    gpu_peak_mb: float | None = None


@dataclass(frozen=True)
class Floor(JsonCodec):
    """Achieved GFLOP/s and its share of the measured peak of the record's device and precision
    (``peak_key``). The share is never over 100 %: where the achieved rate passes the peak, ``pct_of_peak``
    is None and ``note`` says why (None otherwise, and absent from the file)."""

    gflops_achieved: float
    peak_gflops: float | None
    peak_key: str
    pct_of_peak: float | None
    note: str | None = optional()

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


@dataclass(kw_only=True)
class BenchRecord(JsonCodec):
    """One backend x graph form x compute hints x batch. ``form``: the graph form of the file the run used (a
    checkpoint runner's: fp32); ``compute``: the hints it ran under (``forms.join_hints``: ``bf16``,
    ``bf16+throughput``, "" for none).

    ``precision`` and ``variant`` are derived from them here and nowhere else (``__post_init__``, by
    ``forms.label``): ``precision`` is the label's (fp32 + bf16 -> ``bf16``) and no argument; ``variant`` is the
    artifact's own one as given (``keep-fp 3``; ``+HINT`` words in it are the label's, dropped) with the label's
    suffix after it (int8-cpu + bf16 -> ``keep-fp 3 +bf16``). A copy (``dataclasses.replace``) derives them
    again. The parts are None where nothing was measured (unavailable, unsupported, failed)."""

    backend: str
    form: str
    compute: str = ""
    precision: str = field(init=False, metadata=DERIVED)
    variant: str = field(default="", metadata=DERIVED)
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
    task: TaskScore | None = optional()  # the task score (a cartoonize model only)
    cold_start_ms: float | None = optional()  # opening to the first image, where a runner measures it (a browser page)

    def __post_init__(self) -> None:
        if self.compute != join_hints(self.compute.split("+")):
            raise ValueError(f"compute {self.compute!r}: hint names of {', '.join(COMPUTE_HINTS)}, in that order, "
                             "joined by +")  # fmt: skip
        self.precision, suffix = label(self.form, self.compute)
        self.variant = " ".join(filter(None, (_variant_hints(self.variant)[0], suffix)))

    @property
    def mode(self) -> str:
        """Precision and variant, e.g. ``int8-cpu keep-fp 9``."""
        return " ".join(filter(None, (self.precision, self.variant)))


@dataclass(frozen=True)
class ModelInfo(JsonCodec):
    """The benchmarked checkpoint: file name, SHA-256, direction and generator config."""

    checkpoint: str
    sha256: str
    direction: str
    config: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class Inputs(JsonCodec):
    """The input images: size, names, and the sets judged on their own ([start, stop) index ranges)."""

    size: int
    count: int
    names: list[str]
    sets: dict[str, list[int]] | None = None  # None: a version 1 bench that predates the sets
    source: str


@dataclass(frozen=True, kw_only=True)
class RunSettings(JsonCodec):
    """The timing settings a results.json records."""

    warmup: int
    iters: int
    max_time: float | None = optional()  # seconds of timed runs per batch and round (0: none); absent: predates it
    rounds: int | None = None  # None: a version 1 bench that predates --rounds
    threads: int | None = None
    batches: list[int]


@dataclass(frozen=True)
class FloorSummary(JsonCodec):
    """The model's FLOPs per image and the peaks measured in the run (GFLOP/s by peak key), with the kernel
    that measured each, or why it was not (``peak_kernels``: None in version 1 benches that predate it)."""

    flops_per_image: int
    peaks_gflops: dict[str, float | None]
    peak_kernels: dict[str, str] | None = None


@dataclass(kw_only=True)
class BenchResults(JsonCodec):
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
    not_run: list[str] = field(default_factory=list)  # what the plan left out here, with why (``plan.what_can_win``)
    records: list[BenchRecord] = field(default_factory=list)

    def gate_failures(self) -> list[str]:
        """``<label> batch <n>`` of the gated records that failed parity or crashed."""
        return [f"{r.label} batch {r.batch}" for r in self.records
                if r.precision in self.gated_precisions and r.status in (FAILED_PARITY, FAILED)]  # fmt: skip

    @classmethod
    def from_dict(cls, data: Any, where: str = "") -> BenchResults:
        """A results.json dict of version 1 (upgraded: ``upgrade_v1``) or 2; SchemaError, one line, for another
        schema, another version, or a value that does not fit its key."""
        schema = data.get("schema") if isinstance(data, Mapping) else None
        if schema != SCHEMA:
            raise SchemaError(_one_line(f"not a bench results file: schema {schema!r}, expected {SCHEMA!r}"))
        version = data.get("schema_version")
        if type(version) is not int or not 1 <= version <= SCHEMA_VERSION:
            raise SchemaError(_one_line(f"{SCHEMA} version {version!r}: this ugatit-deploy reads versions "
                                        f"1-{SCHEMA_VERSION}"))  # fmt: skip
        try:
            return super().from_dict(upgrade_v1(data) if version == 1 else data, where)
        except (KeyError, TypeError, ValueError) as exc:  # RecordError is a ValueError
            raise SchemaError(_one_line(f"{SCHEMA} version {version}: {type(exc).__name__}: {exc}")) from exc


def _one_line(message: str, limit: int = 300) -> str:
    line = " ".join(message.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


_V1_ABSENT = {"inputs": ("sets",), "settings": ("rounds",), "floor": ("peak_kernels",)}
_V1_ABSENT_PARITY = ("ssim", "psnr_per_image", "by_set")


def upgrade_v1(data: Mapping[str, Any]) -> dict[str, Any]:
    """A version 1 results.json dict as version 2: the keys older benches did not write as null (a record's
    ``variant`` as ""), and each record's ``form`` and ``compute`` from its label (``split_label``; its
    ``precision`` and ``variant`` are then checked against the ones they derive)."""
    out = {**data, "schema_version": SCHEMA_VERSION, "not_run": data.get("not_run", [])}
    for part, keys in _V1_ABSENT.items():
        if isinstance(out.get(part), Mapping):
            out[part] = {**dict.fromkeys(keys), **out[part]}
    if isinstance(records := out.get("records"), list):
        out["records"] = [_record_v1(record, f"records[{i}]") if isinstance(record, Mapping) else record
                          for i, record in enumerate(records)]  # fmt: skip
    return out


def _record_v1(record: Mapping[str, Any], where: str) -> dict[str, Any]:
    precision, variant, options = record.get("precision"), record.get("variant") or "", record.get("options")
    if not isinstance(precision, str) or not isinstance(variant, str):
        raise RecordError(f"{where}: precision and variant are strings in version 1")
    backend = record.get("backend")
    checkpoint = isinstance(backend, str) and backend in BACKENDS and BACKENDS[backend].runs == "checkpoint"
    form, compute, _ = split_label(precision, variant, checkpoint, options if isinstance(options, Mapping) else None)
    out = {**record, "form": form, "compute": compute, "variant": variant}
    if isinstance(parity := record.get("parity"), Mapping):
        out["parity"] = {**dict.fromkeys(_V1_ABSENT_PARITY), **parity}
    return out
