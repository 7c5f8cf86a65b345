"""What a ``ugatit-deploy bench`` run is asked to do: ``BenchSettings``, shared by every stage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..backends import BACKENDS
from ..core.errors import UgatitDeployError
from ..core.gates import Gate
from ..forms import FORMS
from ..forms.transforms.int8_options import Int8Options


class BenchError(UgatitDeployError):
    """A benchmark that cannot run as asked."""


@dataclass
class BenchSettings:
    checkpoint: Path
    direction: str = "a2b"
    onnx: Sequence[Path] = ()  # default: export ``export_precisions`` into OUT/onnx
    engines: Sequence[Path] = ()  # default: build the ONNX files into OUT/engines when TensorRT is here
    backends: Sequence[str] = tuple(BACKENDS)
    images: Path | None = None
    batches: Sequence[int] = (1,)
    size: int | None = None  # default: the model's img_size
    warmup: int = 3
    iters: int = 20
    rounds: int = 1  # timing rounds over all backends; each times ``iters`` runs after ``warmup``
    threads: int | None = None  # per runner (those whose registry entry takes ``threads``) and the matmul peak
    out: Path = Path("bench")
    gates: dict[str, Gate] = field(default_factory=dict)  # --gate: moves the defaults, decides the exit code
    export_precisions: Sequence[str] = field(default_factory=lambda: tuple(FORMS))  # every graph form
    int8: Int8Options = field(default_factory=Int8Options)  # calibration / --keep-fp when bench exports INT8
    command: str = ""  # the command line that reproduces the run, recorded in the results
    peaks: bool = True  # measure the matmul peaks (the floor); the fast path skips them
    reuse_exports: bool = False  # reuse an intact export of this checkpoint already in OUT/onnx (same INT8 options)

    def check(self) -> None:
        """BenchError for values no stage can run with."""
        if unknown := [name for name in self.backends if name not in BACKENDS]:
            raise BenchError(f"unknown backend {unknown[0]!r}: use {', '.join(BACKENDS)}")
        if any(b < 1 for b in self.batches):
            raise BenchError(f"--batch values must be >= 1, got {list(self.batches)}")
        if self.warmup < 0 or self.iters < 1 or self.rounds < 1:
            raise BenchError("--warmup must be >= 0, --iters and --rounds >= 1")
