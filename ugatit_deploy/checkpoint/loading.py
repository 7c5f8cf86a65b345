"""Open official training checkpoints and ugatit-deploy generator files; rebuild generators from them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..errors import CheckpointError
from ..model.config import GeneratorConfig
from ..model.generator import ResnetGenerator
from .formats import (
    GENERATOR_FILE_FORMAT,
    GENERATOR_FILE_VERSION,
    OFFICIAL_DISCRIMINATOR_KEYS,
    OFFICIAL_GENERATOR_KEYS,
    normalize_direction,
)
from .safe_load import read_checkpoint_file
from .validate import check_generator_state_dict

OFFICIAL_FORMAT = "official-training"


@dataclass(frozen=True)
class CheckpointInfo:
    """What a checkpoint holds, read from the file without building any network."""

    path: Path
    format: str  # OFFICIAL_FORMAT or GENERATOR_FILE_FORMAT
    file_size: int
    generators: dict[str, GeneratorConfig]  # direction -> architecture read from the weights
    metadata: dict[str, Any] = field(default_factory=dict)
    discriminators: tuple[str, ...] = ()

    @property
    def directions(self) -> tuple[str, ...]:
        return tuple(self.generators)

    def config_for(self, direction: str) -> GeneratorConfig:
        """The architecture of one direction; CheckpointError if the name is unknown or absent here."""
        direction = normalize_direction(direction)
        if direction not in self.generators:
            raise CheckpointError(f"{self.path} has no {direction} generator (available: {', '.join(self.directions)})")
        return self.generators[direction]


@dataclass(frozen=True)
class _Opened:
    info: CheckpointInfo
    state_dicts: dict[str, Mapping[str, torch.Tensor]]


def _open(path: str | os.PathLike[str]) -> _Opened:
    file = Path(path)
    obj = read_checkpoint_file(file)
    if not isinstance(obj, Mapping):
        raise CheckpointError(f"{file} holds a {type(obj).__name__}, not a dict of state_dicts")
    if obj.get("format") == GENERATOR_FILE_FORMAT:
        return _open_generator_file(file, obj)
    if any(key in obj for key in OFFICIAL_GENERATOR_KEYS.values()):
        return _open_official(file, obj)
    if "DownBlock.1.weight" in obj:
        raise CheckpointError(
            f"{file} is a bare generator state_dict with no direction: save it with "
            "ugatit_deploy.save_generator(model, path, direction) first"
        )
    found = ", ".join(sorted(map(str, obj))[:6]) or "none"
    raise CheckpointError(
        f"no U-GAT-IT generator in {file}: expected genA2B/genB2A (official training file) or an "
        f"ugatit-deploy generator file; found keys: {found}"
    )


def _open_official(file: Path, obj: Mapping[str, Any]) -> _Opened:
    generators: dict[str, GeneratorConfig] = {}
    state_dicts: dict[str, Mapping[str, torch.Tensor]] = {}
    for direction, key in OFFICIAL_GENERATOR_KEYS.items():
        if key not in obj:
            continue
        state_dict = obj[key]
        if not isinstance(state_dict, Mapping):
            raise CheckpointError(f"{file}: {key} is a {type(state_dict).__name__}, not a state_dict")
        config = _infer(state_dict, f"{file} [{key}]")
        check_generator_state_dict(state_dict, config, f"{file} [{key}]")
        generators[direction] = config
        state_dicts[direction] = state_dict
    info = CheckpointInfo(
        path=file,
        format=OFFICIAL_FORMAT,
        file_size=file.stat().st_size,
        generators=generators,
        discriminators=tuple(k for k in OFFICIAL_DISCRIMINATOR_KEYS if k in obj),
    )
    return _Opened(info, state_dicts)


def _open_generator_file(file: Path, obj: Mapping[str, Any]) -> _Opened:
    version = obj.get("format_version")
    if not isinstance(version, int) or version > GENERATOR_FILE_VERSION:
        raise CheckpointError(
            f"{file} is a generator file of format_version {version!r}; this ugatit-deploy reads "
            f"versions up to {GENERATOR_FILE_VERSION}: upgrade ugatit-deploy"
        )
    for key in ("direction", "config", "state_dict"):
        if key not in obj:
            raise CheckpointError(f"{file}: generator file has no {key!r} entry")
    direction = normalize_direction(obj["direction"])
    state_dict = obj["state_dict"]
    if not isinstance(state_dict, Mapping) or not isinstance(obj["config"], Mapping):
        raise CheckpointError(f"{file}: 'state_dict' and 'config' must be dicts")
    recorded = GeneratorConfig.from_dict(obj["config"])
    config = _infer(state_dict, f"{file} [state_dict]", img_size=recorded.img_size)
    if recorded != config:
        raise CheckpointError(f"{file}: config record {recorded} contradicts the weights, which say {config}")
    check_generator_state_dict(state_dict, config, f"{file} [state_dict]")
    metadata = dict(obj.get("metadata") or {})
    info = CheckpointInfo(
        path=file,
        format=GENERATOR_FILE_FORMAT,
        file_size=file.stat().st_size,
        generators={direction: config},
        metadata=metadata,
    )
    return _Opened(info, {direction: state_dict})


def _infer(state_dict: Mapping[str, Any], where: str, img_size: int | None = None) -> GeneratorConfig:
    try:
        return GeneratorConfig.from_state_dict(state_dict, img_size=img_size)
    except CheckpointError as exc:
        raise CheckpointError(f"{where}: {exc}") from None


def inspect_checkpoint(path: str | os.PathLike[str]) -> CheckpointInfo:
    """Describe a checkpoint (format, directions, architecture per direction) after validating it."""
    return _open(path).info


def read_generator_config(path: str | os.PathLike[str], direction: str = "a2b") -> GeneratorConfig:
    """The architecture of one direction's generator, inferred from its weights."""
    return _open(path).info.config_for(direction)


def load_generator(
    path: str | os.PathLike[str], direction: str = "a2b", device: torch.device | str = "cpu"
) -> ResnetGenerator:
    """Rebuild one direction's generator from a checkpoint, in eval mode, on ``device``.

    Reads the official six-network training file (``genA2B`` = a2b, ``genB2A`` = b2a) or an
    ugatit-deploy generator file. The architecture comes from the weights; nothing in the file is
    executed (``weights_only=True``). Raises CheckpointError with a one-line reason on bad input.
    """
    return open_generator(path, direction, device)[1]


def open_generator(
    path: str | os.PathLike[str], direction: str = "a2b", device: torch.device | str = "cpu"
) -> tuple[CheckpointInfo, ResnetGenerator]:
    """``inspect_checkpoint`` and ``load_generator`` in one read of the file."""
    opened = _open(path)
    config = opened.info.config_for(direction)
    model = config.build("meta")
    weights = {k: v.to(torch.float32) for k, v in opened.state_dicts[normalize_direction(direction)].items()}
    model.load_state_dict(weights, strict=True, assign=True)
    return opened.info, model.to(device).eval()
