"""The generator's architecture record, and how to read it back from a state_dict."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import torch

from ..core.errors import CheckpointError
from .generator import ResnetGenerator
from .tf_generator import TFResnetGenerator

DEFAULT_IMG_SIZE = 256  # the official training size; a light model's weights do not record it
PYTORCH, TENSORFLOW = "pytorch", "tensorflow"  # the official PyTorch code's generator; the official TF code's
VARIANTS = (PYTORCH, TENSORFLOW)


@dataclass(frozen=True)
class GeneratorConfig:
    """What a generator needs to be rebuilt: the official defaults are ngf=64, n_blocks=4, 256 px.

    ``variant`` is ``"pytorch"`` (``ResnetGenerator``, the official PyTorch code) or ``"tensorflow"``
    (``TFResnetGenerator``, the official TF code, whose AdaLIN ``smoothing`` the weights cannot tell).
    """

    ngf: int = 64
    n_blocks: int = 4
    img_size: int = DEFAULT_IMG_SIZE
    light: bool = False
    variant: str = PYTORCH
    smoothing: bool = False  # tensorflow only (the official TF default is on)

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise CheckpointError(f"unknown generator variant {self.variant!r}: use {', '.join(VARIANTS)}")
        if self.smoothing and self.variant != TENSORFLOW:
            raise CheckpointError("smoothing is a setting of the TensorFlow variant only")

    def build(self, device: torch.device | str | None = None) -> ResnetGenerator | TFResnetGenerator:
        """A freshly initialised generator of this architecture (``device="meta"`` allocates nothing)."""
        with torch.device(device or "cpu"):
            if self.variant == TENSORFLOW:
                return TFResnetGenerator(self.ngf, self.n_blocks, self.img_size, self.light, self.smoothing)
            return ResnetGenerator(self.ngf, self.n_blocks, self.img_size, self.light)

    def state_dict_shapes(self) -> dict[str, tuple[int, ...]]:
        """Every state_dict key of this architecture, in order, with its shape."""
        return {k: tuple(v.shape) for k, v in self.build("meta").state_dict().items()}

    def to_dict(self) -> dict[str, int | bool | str]:
        """The record written into files: the PyTorch variant keeps its four fields (files stay as they were)."""
        record = asdict(self)
        if self.variant == PYTORCH:
            del record["variant"], record["smoothing"]
        return record

    @classmethod
    def from_dict(cls, record: Mapping[str, object]) -> GeneratorConfig:
        try:
            return cls(
                ngf=int(record["ngf"]),  # type: ignore[arg-type]
                n_blocks=int(record["n_blocks"]),  # type: ignore[arg-type]
                img_size=int(record["img_size"]),  # type: ignore[arg-type]
                light=bool(record["light"]),
                variant=str(record.get("variant", PYTORCH)),
                smoothing=bool(record.get("smoothing", False)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(f"invalid generator config record {dict(record)!r}: {exc}") from None

    @classmethod
    def from_state_dict(cls, state_dict: Mapping[str, torch.Tensor], img_size: int | None = None,
                        smoothing: bool = False) -> GeneratorConfig:  # fmt: skip
        """Read ngf, n_blocks, light, the variant and (for full models) img_size from the weights themselves.

        ``img_size`` is only used for light models, whose weights work at any size; it defaults to 256.
        ``smoothing`` applies to the TensorFlow variant (its weights cannot tell). Raises CheckpointError
        when the weights do not describe a U-GAT-IT generator.
        """
        for key in ("DownBlock.1.weight", "FC.0.weight"):
            if key not in state_dict:
                raise CheckpointError(f"not a U-GAT-IT generator state_dict: missing key {key!r}")
            if not isinstance(state_dict[key], torch.Tensor) or state_dict[key].dim() < 2:
                raise CheckpointError(f"{key!r} is not a weight matrix/kernel tensor")
        ngf = int(state_dict["DownBlock.1.weight"].shape[0])
        n_blocks = len({k.split(".")[0] for k in state_dict if k.startswith("UpBlock1_")})
        dim = 4 * ngf
        fc_in = int(state_dict["FC.0.weight"].shape[-1])
        light = fc_in == dim
        if light:
            size = DEFAULT_IMG_SIZE if img_size is None else int(img_size)
        else:
            side = math.isqrt(fc_in // dim) if fc_in % dim == 0 else 0
            if side == 0 or side * side * dim != fc_in:
                raise CheckpointError(
                    f"FC.0.weight has {fc_in} inputs, which is neither 4*ngf={dim} (light) nor "
                    f"(img_size/4)^2 * {dim} (full) for any img_size"
                )
            size = 4 * side
        variant = TENSORFLOW if "cam_fc.weight" in state_dict else PYTORCH
        return cls(ngf, n_blocks, size, light, variant, smoothing if variant == TENSORFLOW else False)
