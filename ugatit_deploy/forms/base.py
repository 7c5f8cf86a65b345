"""A graph form: what an exported ONNX graph computes and how it is made from the FP32 graph.

Each form is one module of this package with a ``GraphForm`` subclass and one line in ``registry.FORMS``.
Export, the formats, the backends, the bench, the fast path, the gates and the sidecar read what a form
declares here; none of them tests a form's name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from ..core.cpu_caps import int8_dot_unavailable_reason
from ..core.gates import Gate

if TYPE_CHECKING:
    import onnx

    from ..core.metadata import Quantization
    from .transforms.int8 import CalibrationSet
    from .transforms.int8_options import QuantRecipe

# The arithmetic a form's heavy layers (convolutions) run in: it picks the matmul peak a rate is compared with.
KERNELS = ("fp32", "fp16", "bf16", "int8")


@dataclass(frozen=True)
class BuildContext:
    """What a form's ``build`` gets: the FP32 function-mode graph and what the export run knows."""

    base: onnx.ModelProto
    img_size: int
    calibration: CalibrationSet | None = None
    folder: Path = Path(".")  # where a form may cache work (the calibration ranges)
    keep_fp: Sequence[str] = ()  # convolutions the export keeps in float (forms with ``float_layers``)
    recipe: QuantRecipe | None = None  # the INT8 recipe asked for (forms with ``float_layers``)
    float_rgb_out: bool = True  # the format keeps the RGB output convolution in float
    quantizes_itself: bool = False  # the format quantizes from the FP32 graph and the calibration images
    log: Callable[[str], None] = field(default=print, repr=False)


@dataclass(frozen=True)
class FormGraph:
    """A built form: the graph, and what its sidecar says about its quantization (None: not quantized)."""

    model: onnx.ModelProto
    quantization: Quantization | None = None


class GraphForm:
    """One form of the exported graph. Subclasses set the class attributes and ``build``."""

    name: ClassVar[str]  # the sidecar's ``precision``, ``export --precision``, ``--gate NAME:...``
    summary: ClassVar[str]  # one line for --help and the generated reference
    gate: ClassVar[Gate]  # its default parity gate against PyTorch FP32 (export validation and bench)
    kernel: ClassVar[str] = "fp32"  # one of KERNELS: the arithmetic of its convolutions (the peak it is held to)
    fp32_grade: ClassVar[bool] = False  # judged as FP32 (PSNR >= 60 dB or max abs), not a lossy mode
    calibrated: ClassVar[bool] = False  # needs calibration images
    float_layers: ClassVar[bool] = False  # takes --keep-fp and the INT8 recipe (layers may stay in float)
    weight_bits: ClassVar[int | None] = None  # its default INT8 weight bits (forms with ``float_layers``)
    symmetric: ClassVar[bool] = False  # every zero point is 0 (checked on the graph)
    winograd: ClassVar[bool] = False  # 3x3 convolutions with fewer multiplications than the direct FLOP count
    fixed_size: ClassVar[bool] = False  # its graph fixes the height and width (a light model's stay dynamic)
    validated_on_holdout: ClassVar[bool] = False  # gated in the calibration domain (held-out images)
    check_extremes: ClassVar[bool] = False  # checked for NaN/Inf on extreme inputs before it is written
    not_for_tensorrt: ClassVar[str] = ""  # why TensorRT does not build it (empty: it does)
    trt_weak_flags: ClassVar[tuple[str, ...]] = ()  # builder flags for TensorRT < 10.12 (not strongly typed)
    computes: ClassVar[tuple[str, ...]] = ()  # compute hints a runtime may apply to its file (``compute``)
    cpu_candidate: ClassVar[bool] = False  # a candidate of the CPU fast path (its file on OpenVINO)
    # Its CPU speed needs INT8 dot products (VNNI, AMX): without them it cannot beat FP32 (``candidate_on``).
    needs_int8_dot: ClassVar[bool] = False

    def candidate_on(self, device: str) -> bool:
        """Whether a file of this form can be the fastest passing mode on ``device`` (a registry device) here: on
        the CPU the fast path's candidates (``not_candidate_reason``), on CUDA the forms TensorRT builds."""
        return self.not_candidate_reason(device) is None

    def not_candidate_reason(self, device: str) -> str | None:
        """Why a file of this form cannot be the fastest passing mode on ``device`` on this machine (None: it can)."""
        if device not in ("cpu", "browser"):  # a browser page runs WebAssembly on the CPU: the CPU's candidates
            return None if self.tensorrt else self.not_for_tensorrt
        if not self.cpu_candidate:
            return "not a CPU candidate"
        if self.needs_int8_dot and (reason := int8_dot_unavailable_reason()):
            return f"{reason}, so it cannot beat FP32"
        return None

    @property
    def tensorrt(self) -> bool:
        """Whether TensorRT builds it."""
        return not self.not_for_tensorrt

    def build(self, context: BuildContext) -> FormGraph:
        """The graph of this form, made from ``context.base``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<graph form {self.name}>"
