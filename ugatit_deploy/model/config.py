"""The generator's architecture record, and how to read it back from a state_dict."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

import torch

from ..errors import CheckpointError
from .generator import ResnetGenerator

DEFAULT_IMG_SIZE = 256  # the official training size; a light model's weights do not record it


@dataclass(frozen=True)
class GeneratorConfig:
    """What ``ResnetGenerator`` needs to be rebuilt: the official defaults are ngf=64, n_blocks=4, 256 px."""

    ngf: int = 64
    n_blocks: int = 4
    img_size: int = DEFAULT_IMG_SIZE
    light: bool = False

    def build(self, device: torch.device | str | None = None) -> ResnetGenerator:
        """A freshly initialised generator of this architecture (``device="meta"`` allocates nothing)."""
        with torch.device(device or "cpu"):
            return ResnetGenerator(self.ngf, self.n_blocks, self.img_size, self.light)

    def state_dict_shapes(self) -> dict[str, tuple[int, ...]]:
        """Every state_dict key of this architecture, in order, with its shape."""
        return {k: tuple(v.shape) for k, v in self.build("meta").state_dict().items()}

    def to_dict(self) -> dict[str, int | bool]:
        return asdict(self)

    @classmethod
    def from_dict(cls, record: Mapping[str, object]) -> GeneratorConfig:
        try:
            return cls(
                ngf=int(record["ngf"]),  # type: ignore[arg-type]
                n_blocks=int(record["n_blocks"]),  # type: ignore[arg-type]
                img_size=int(record["img_size"]),  # type: ignore[arg-type]
                light=bool(record["light"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(f"invalid generator config record {dict(record)!r}: {exc}") from None

    @classmethod
    def from_state_dict(cls, state_dict: Mapping[str, torch.Tensor], img_size: int | None = None) -> GeneratorConfig:
        """Read ngf, n_blocks, light and (for full models) img_size from the weights themselves.

        ``img_size`` is only used for light models, whose weights work at any size; it defaults to 256.
        Raises CheckpointError when the weights do not describe a U-GAT-IT generator.
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
        return cls(ngf=ngf, n_blocks=n_blocks, img_size=size, light=light)
