"""The backend registry, defined once: every runner's name, the artifact kind it runs, its device, its
options and the modes ``bench`` measures. The CLI's choices and help texts, ``open_model``, the
benchmarks and the tests all read ``BACKENDS``.

Adding a backend is one entry here and one runner module (a ``Backend`` subclass in this package).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..core import optional
from ..core.errors import UnavailableError
from ..core.optional import availability_of, cuda_unavailable_reason
from ..formats import CHECKPOINT, FORMATS, artifact_kind, artifact_kinds
from ..forms import FORMS, hints_of, join_hints
from .base import Backend, BackendError


@dataclass(frozen=True)
class Mode:
    """One configuration of a backend that ``bench`` measures: runner options, and the compute hints they
    apply (``forms.COMPUTE_HINTS``). A mode with hints runs the files whose form takes them all
    (``GraphForm.computes``); one without runs every file of the backend's format."""

    options: Mapping[str, Any] = field(default_factory=dict)
    compute: tuple[str, ...] = ()

    def runs(self, form: str) -> bool:
        """Whether this mode applies to a file of ``form`` (a name that is no form: only a mode without hints)."""
        takes = FORMS[form].computes if form in FORMS else ()
        return all(hint in takes for hint in self.compute)

    @property
    def min_batch(self) -> int:
        """The smallest batch its hints run (OpenVINO's throughput hint: two images)."""
        return max((hint.min_batch for hint in hints_of(join_hints(self.compute))), default=1)


@dataclass(frozen=True)
class BackendSpec:
    """One registry entry."""

    name: str  # "onnxruntime-cpu"
    family: str  # "onnxruntime": `--backend onnxruntime` picks the first available of the family
    runs: str  # what it runs: "checkpoint" or an artifact format's name (``formats.FORMATS``)
    device: str  # cpu | cuda
    summary: str
    runner: str  # "module:Class" in this package (or "package.module:Class"), imported only when a runner is made
    fixed: Mapping[str, Any] = field(default_factory=dict)  # constructor arguments the entry sets
    options: tuple[str, ...] = ()  # options a user may pass (besides the artifact)
    auto_rank: int | None = None  # order in which `auto` tries it for its artifact kind; None: never
    modes: tuple[Mode, ...] = (Mode(),)
    symmetric_int8_only: bool = False  # TensorRT-based: refuses INT8 graphs with non-zero zero points
    not_chosen: str = ""  # why the main job never picks it by one measurement (empty: it may)
    runtime: str = ""  # its runtime's loader in ``core.optional`` (checked before any file is made)

    def unavailable_here(self) -> str | None:
        """Why this backend cannot run on this machine whatever the file (no CUDA device, its runtime or its
        format's converter missing), None when it may: cheap, imports the runtime at most."""
        if self.device == "cuda" and (reason := cuda_unavailable_reason()):
            return reason
        if self.runtime:
            ok, reason = availability_of(getattr(optional, self.runtime))
            if not ok:
                return reason
        fmt = FORMATS.get(self.runs)
        return fmt.unavailable_reason() if fmt is not None else None

    def create(self, artifact: str | os.PathLike[str], **options: Any) -> Backend:
        module, _, cls = self.runner.partition(":")
        name = module if "." in module else f"{__package__}.{module}"  # a runner module of this package, or any
        runner_class = getattr(importlib.import_module(name), cls)
        return runner_class(artifact, **self.fixed, **options)


_GPU = ("device_id",)
# Latency (batch 1) and throughput (batch > 1; the runner declines batch 1), each with f32 and bf16 compute (an
# INT8 file's float layers in bf16: measured 2x the f32 hint's speed, at its quality). The forms that take the
# hints (``GraphForm.computes``) are the ones measured in them: FP32 and the x86 INT8 graph.
_OPENVINO_MODES = (Mode(), Mode({"inference_precision": "bf16"}, ("bf16",)),
                   Mode({"throughput": True}, ("throughput",)),
                   Mode({"throughput": True, "inference_precision": "bf16"}, ("throughput", "bf16")))  # fmt: skip
# Measured (benchmarks/results/mnn_interference.md): the same .mnn on the same machine ran 302-546 ms per image
# from one run to the next, and on a busy machine its 2-thread pool ran slower than 1 thread.
MNN_NOT_CHOSEN = ("MNN's speed changes from run to run by up to 1.8x with nothing changed, so one measurement "
                  "cannot choose it")  # fmt: skip
BROWSER = "browser"  # the device of a runner that drives a browser page (WebAssembly on this machine's CPU)
_TORCH = ("direction", "precision", "channels_last", "cuda_graphs", "threads")  # one runner class, both devices
_SPECS = (
    BackendSpec("torch-cpu", "torch", CHECKPOINT, "cpu", "PyTorch eager on CPU (the reference)",
                "torch_runner:TorchBackend", {"device": "cpu"}, _TORCH, auto_rank=1,
                modes=(Mode({"precision": "fp32"}),)),
    BackendSpec("torch-cuda", "torch", CHECKPOINT, "cuda",
                "PyTorch on CUDA: fp32, or fp16 autocast + channels_last + CUDA graphs",
                "torch_runner:TorchBackend", {"device": "cuda"}, _TORCH, auto_rank=0,
                modes=(Mode({"precision": "fp32"}),
                       Mode({"precision": "fp16", "channels_last": True, "cuda_graphs": True}, ("fp16",)))),
    BackendSpec("onnxruntime-cpu", "onnxruntime", "onnx", "cpu", "ONNX Runtime, CPU execution provider",
                "onnxruntime_runner:OnnxRuntimeBackend", {"provider": "cpu"}, ("threads", "cache_dir"),
                auto_rank=1, runtime="onnxruntime"),
    BackendSpec("onnxruntime-cuda", "onnxruntime", "onnx", "cuda", "ONNX Runtime, CUDA execution provider, IO binding",
                "onnxruntime_runner:OnnxRuntimeBackend", {"provider": "cuda"}, ("cache_dir", *_GPU), auto_rank=0,
                runtime="onnxruntime"),
    BackendSpec("onnxruntime-tensorrt", "onnxruntime", "onnx", "cuda",
                "ONNX Runtime, TensorRT execution provider, IO binding",
                "onnxruntime_runner:OnnxRuntimeBackend", {"provider": "tensorrt"}, ("cache_dir", *_GPU),
                symmetric_int8_only=True, runtime="onnxruntime"),
    BackendSpec("openvino-cpu", "openvino", "onnx", "cpu",
                "OpenVINO on CPU: fp32, fp16 or int8 (QDQ graphs) files, bf16 compute by precision hint; latency "
                "hint, or throughput hint (batches > 1 as parallel requests)",
                "openvino_runner:OpenVinoBackend", {}, ("threads", "inference_precision", "cache_dir", "throughput"),
                modes=_OPENVINO_MODES, runtime="openvino"),
    BackendSpec("mnn-cpu", "mnn", "mnn", "cpu", "MNN on CPU: Winograd 3x3 convolutions (.mnn from export --format mnn)",
                "mnn_runner:MnnBackend", {}, ("threads",), auto_rank=0, not_chosen=MNN_NOT_CHOSEN, runtime="mnn"),
    BackendSpec("ncnn-cpu", "ncnn", "ncnn", "cpu", "ncnn on CPU: Winograd 3x3 convolutions (.ncnn.param/.bin from "
                "export --format ncnn)", "ncnn_runner:NcnnBackend", {}, ("threads",), auto_rank=0, runtime="ncnn"),
    BackendSpec("onnxruntime-web", "web", "web", BROWSER, "onnxruntime-web (WebAssembly, threads when the page is "
                "cross-origin isolated) in headless Chromium, through a web bundle's own page (export --format web)",
                "onnxruntime_web_runner:OnnxRuntimeWebBackend", {}, ("threads",), auto_rank=0, runtime="browser"),
    BackendSpec("tensorrt", "tensorrt", "tensorrt", "cuda", "TensorRT plan, execute_async_v3 on torch CUDA buffers",
                "tensorrt_runner:TensorRTBackend", {}, _GPU, auto_rank=0, symmetric_int8_only=True),
)  # fmt: skip
_REGISTRY: dict[str, BackendSpec] = {spec.name: spec for spec in _SPECS}
BACKENDS: Mapping[str, BackendSpec] = MappingProxyType(_REGISTRY)  # read-only; always the current entries
FAMILIES = tuple(dict.fromkeys(spec.family for spec in _SPECS))
# What "all" (bench's default) means: every backend but the browser's, which starts a Chromium: asked for by name
# (``--backends onnxruntime-web``, or the group ``browser``), never by default.
DEFAULT_BACKENDS = tuple(spec.name for spec in _SPECS if spec.device != BROWSER)
DEVICES = tuple(dict.fromkeys(spec.device for spec in _SPECS))


def backends_in(family: str) -> tuple[str, ...]:
    """A family's backends in the order ``open_model`` tries them (CUDA first)."""
    members = [spec for spec in BACKENDS.values() if spec.family == family]
    ranked = sorted(members, key=lambda spec: (spec.auto_rank is None, spec.auto_rank or 0))
    return tuple(spec.name for spec in ranked)


def auto_backends(kind: str) -> tuple[str, ...]:
    """What ``--backend auto`` tries for an artifact kind, in order."""
    ranked = sorted(
        (s for s in BACKENDS.values() if s.runs == kind and s.auto_rank is not None), key=lambda s: s.auto_rank
    )
    return tuple(spec.name for spec in ranked)


def backend_groups() -> dict[str, tuple[str, ...]]:
    """Names that stand for several backends: each family, each device, ``ort`` and ``all`` (every backend but the
    browser's: ``DEFAULT_BACKENDS``)."""
    groups = {family: tuple(s.name for s in BACKENDS.values() if s.family == family) for family in FAMILIES}
    groups["ort"] = groups["onnxruntime"]
    groups |= {device: tuple(s.name for s in BACKENDS.values() if s.device == device) for device in DEVICES}
    groups["all"] = DEFAULT_BACKENDS
    return groups


def backends_for(kind: str) -> tuple[str, ...]:
    """The backends that run a kind of model file (a format's name, or ``checkpoint``), in registry order."""
    return tuple(spec.name for spec in BACKENDS.values() if spec.runs == kind)


def open_model(path: str | os.PathLike[str], backend: str = "auto", **options: Any) -> Backend:
    """A runner for a model file: ``auto`` picks the first available of its kind's backends (CUDA before
    CPU); a family name (torch, onnxruntime, openvino, tensorrt) the first available of that family; a
    full name exactly that backend. OpenVINO is never picked by auto: ask for it by name."""
    kind = artifact_kind(path)
    if backend == "auto":
        candidates = auto_backends(kind)
    elif backend in FAMILIES or backend in BACKENDS:
        candidates = backends_in(backend) if backend in FAMILIES else (backend,)
        runs = BACKENDS[candidates[0]].runs
        if runs != kind:
            raise BackendError(f"--backend {backend} cannot run {Path(path).name}: it is a {kind} file "
                               f"({backend} needs {artifact_kinds()[runs]})")  # fmt: skip
    else:
        raise BackendError(f"unknown backend {backend!r}: use auto, {', '.join(FAMILIES)} or {', '.join(BACKENDS)}")
    options = {key: value for key, value in options.items() if value is not None}  # None: the runner's default
    if unknown := sorted(set(options) - {o for name in candidates for o in BACKENDS[name].options}):
        raise BackendError(f"{backend}: no backend for {Path(path).name} takes option {unknown[0]!r}")
    reasons = []
    for name in candidates:  # each gets the options it takes: threads matter on the CPU only
        runner = create_backend(name, path, **{k: v for k, v in options.items() if k in BACKENDS[name].options})
        status = runner.availability()
        if status.ok:
            return runner
        reasons.append(f"{name}: {status.reason}")
    raise UnavailableError(f"cannot run {Path(path).name} here: {'; '.join(reasons)}")


def create_backend(name: str, artifact: str | os.PathLike[str], **options: Any) -> Backend:
    """A runner for ``artifact``. The options each backend takes are listed in its registry entry
    (``BACKENDS[name].options``): torch ``direction``, ``precision``, ``channels_last``, ``cuda_graphs``,
    ``threads``; onnxruntime ``threads`` (CPU), ``cache_dir``; openvino ``threads``,
    ``inference_precision`` ("fp32" or "bf16", for fp32 and int8 files), ``cache_dir``, ``throughput``; GPU
    backends ``device_id``."""
    if name not in BACKENDS:
        raise BackendError(f"unknown backend {name!r}: use one of {', '.join(BACKENDS)}")
    spec = BACKENDS[name]
    if unknown := sorted(set(options) - set(spec.options)):
        raise BackendError(f"{name} takes no option {unknown[0]!r} (its options: {', '.join(spec.options) or 'none'})")
    return spec.create(artifact, **options)
