"""Compare a state_dict with the architecture its weights describe, key by key and shape by shape."""

from __future__ import annotations

from collections.abc import Mapping

import torch

from ..core.errors import CheckpointError
from ..model.config import GeneratorConfig

_SHOWN = 3  # keys named in an error message before "and N more"


def _first(keys: list[str]) -> str:
    shown = ", ".join(repr(k) for k in keys[:_SHOWN])
    return shown + (f" and {len(keys) - _SHOWN} more" if len(keys) > _SHOWN else "")


def check_generator_state_dict(state_dict: Mapping[str, object], config: GeneratorConfig, where: str) -> None:
    """Raise CheckpointError naming the first problem: a non-tensor, missing or unexpected keys, a shape."""
    for key, value in state_dict.items():
        if not isinstance(value, torch.Tensor):
            raise CheckpointError(f"{where}: {key!r} is a {type(value).__name__}, not a tensor")
        if not value.is_floating_point():
            raise CheckpointError(f"{where}: {key!r} has dtype {value.dtype}, expected a floating-point tensor")
    expected = config.state_dict_shapes()
    missing = [k for k in expected if k not in state_dict]
    if missing:
        raise CheckpointError(f"{where}: missing keys {_first(missing)}")
    unexpected = [k for k in state_dict if k not in expected]
    if unexpected:
        raise CheckpointError(f"{where}: unexpected keys {_first(unexpected)}")
    for key, shape in expected.items():
        found = tuple(state_dict[key].shape)  # type: ignore[union-attr]
        if found != shape:
            raise CheckpointError(f"{where}: shape mismatch for {key!r}: expected {list(shape)}, found {list(found)}")
