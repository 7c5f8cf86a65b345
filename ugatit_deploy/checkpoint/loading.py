"""Open checkpoints and rebuild generators from them: official PyTorch training files, ugatit-deploy generator
files, and the official TensorFlow checkpoints (a folder, its ``checkpoint`` state file or a prefix)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..core.errors import CheckpointError
from ..core.fileio import file_sha256
from ..model.config import GeneratorConfig
from ..model.generator import ResnetGenerator
from ..model.tf_generator import TFResnetGenerator
from .formats import (
    GENERATOR_FILE_FORMAT,
    GENERATOR_FILE_VERSION,
    OFFICIAL_DISCRIMINATOR_KEYS,
    OFFICIAL_GENERATOR_KEYS,
    normalize_direction,
)
from .safe_load import read_checkpoint_file
from .tf_bundle import looks_like_tf_checkpoint, open_tf_checkpoint
from .validate import check_generator_state_dict

OFFICIAL_FORMAT = "official-training"
TF_FORMAT = "tensorflow"  # taki0112/UGATIT's tf.train.Saver checkpoints


@dataclass(frozen=True)
class CheckpointInfo:
    """What a checkpoint holds, read from the file without building any network."""

    path: Path
    format: str  # OFFICIAL_FORMAT, GENERATOR_FILE_FORMAT or TF_FORMAT
    file_size: int
    generators: dict[str, GeneratorConfig]  # direction -> architecture read from the weights
    metadata: dict[str, Any] = field(default_factory=dict)
    discriminators: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # what a user should know about how the file was read (TF: prefix, smoothing)

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


def _open(path: str | os.PathLike[str], smoothing: bool | None = None, weights: bool = True) -> _Opened:
    file = Path(path)
    if file.is_dir() or looks_like_tf_checkpoint(file):  # a folder can only be a TensorFlow checkpoint
        return _open_tf(file, smoothing, weights)
    if smoothing is not None:
        raise CheckpointError(f"{file}: --smoothing/--no-smoothing applies to TensorFlow checkpoints only")
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


def _open_tf(path: Path, smoothing: bool | None, weights: bool) -> _Opened:
    from .tf_convert import tf_generators

    ckpt = open_tf_checkpoint(path)
    found = tf_generators(ckpt, smoothing, weights)
    files = [Path(f"{ckpt.prefix}.index"), *(ckpt.shard_path(i) for i in range(ckpt.num_shards))]
    scopes = sorted({name.split("/")[0] for name in ckpt.names() if name.startswith("discriminator")})
    smoothing_on = next(iter(found.configs.values())).smoothing
    info = CheckpointInfo(
        path=path, format=TF_FORMAT, file_size=sum(f.stat().st_size for f in files), generators=found.configs,
        metadata={"source": "taki0112/UGATIT (TensorFlow)", "tf_checkpoint": ckpt.prefix.name,
                  "smoothing": smoothing_on},
        discriminators=tuple(scopes), notes=tuple(note for note in (ckpt.note, found.smoothing_note) if note),
    )  # fmt: skip
    return _Opened(info, found.state_dicts)


def checkpoint_sha256(path: str | os.PathLike[str]) -> str:
    """A checkpoint's content hash: the file's, or for a TF checkpoint its index's (which holds every
    tensor's CRC32C, so it changes with any weight)."""
    if looks_like_tf_checkpoint(path):
        return file_sha256(f"{open_tf_checkpoint(path).prefix}.index")
    return file_sha256(path)


def _open_generator_file(file: Path, obj: Mapping[str, Any]) -> _Opened:
    version = obj.get("format_version")
    if not isinstance(version, int) or version > GENERATOR_FILE_VERSION:
        raise CheckpointError(
            f"{file} is a generator file of format_version {version!r}; this ugatit-deploy reads "
            f"versions up to {GENERATOR_FILE_VERSION}: upgrade ugatit-deploy"
        )
    if version >= 2:
        entries = obj.get("generators")
        if not isinstance(entries, Mapping) or not entries:
            raise CheckpointError(f"{file}: generator file has no 'generators' entry")
    else:
        if "direction" not in obj:
            raise CheckpointError(f"{file}: generator file has no 'direction' entry")
        entries = {obj["direction"]: obj}
    generators, state_dicts = {}, {}
    for name, entry in entries.items():
        direction = normalize_direction(name)
        generators[direction], state_dicts[direction] = _generator_entry(file, entry)
    info = CheckpointInfo(path=file, format=GENERATOR_FILE_FORMAT, file_size=file.stat().st_size,
                          generators=generators, metadata=dict(obj.get("metadata") or {}))  # fmt: skip
    return _Opened(info, state_dicts)


def _generator_entry(file: Path, entry: Any) -> tuple[GeneratorConfig, Mapping[str, torch.Tensor]]:
    """(config, state_dict) of one direction, the config checked against the weights."""
    for key in ("config", "state_dict"):
        if not isinstance(entry, Mapping) or key not in entry:
            raise CheckpointError(f"{file}: generator file has no {key!r} entry")
    state_dict = entry["state_dict"]
    if not isinstance(state_dict, Mapping) or not isinstance(entry["config"], Mapping):
        raise CheckpointError(f"{file}: 'state_dict' and 'config' must be dicts")
    recorded = GeneratorConfig.from_dict(entry["config"])
    config = _infer(state_dict, f"{file} [state_dict]", img_size=recorded.img_size, smoothing=recorded.smoothing)
    if recorded != config:
        raise CheckpointError(f"{file}: config record {recorded} contradicts the weights, which say {config}")
    check_generator_state_dict(state_dict, config, f"{file} [state_dict]")
    return config, state_dict


def _infer(state_dict: Mapping[str, Any], where: str, img_size: int | None = None,
           smoothing: bool = False) -> GeneratorConfig:  # fmt: skip
    try:
        return GeneratorConfig.from_state_dict(state_dict, img_size=img_size, smoothing=smoothing)
    except CheckpointError as exc:
        raise CheckpointError(f"{where}: {exc}") from None


def inspect_checkpoint(path: str | os.PathLike[str], smoothing: bool | None = None) -> CheckpointInfo:
    """Describe a checkpoint (format, directions, architecture per direction) after validating it.
    ``smoothing`` only for TF checkpoints (default: the folder name's, else the official default)."""
    return _open(path, smoothing, weights=False).info


def read_generator_config(path: str | os.PathLike[str], direction: str = "a2b") -> GeneratorConfig:
    """The architecture of one direction's generator, inferred from its weights."""
    return _open(path, weights=False).info.config_for(direction)


def load_generator(
    path: str | os.PathLike[str], direction: str = "a2b", device: torch.device | str = "cpu"
) -> ResnetGenerator | TFResnetGenerator:
    """Rebuild one direction's generator from a checkpoint, in eval mode, on ``device``.

    Reads the official six-network training file (``genA2B`` = a2b, ``genB2A`` = b2a), an
    ugatit-deploy generator file, or an official TensorFlow checkpoint (``generator_B`` = a2b).
    The architecture comes from the weights; nothing in the file is
    executed (``weights_only=True``). Raises CheckpointError with a one-line reason on bad input.
    """
    return open_generator(path, direction, device)[1]


def open_generator(
    path: str | os.PathLike[str],
    direction: str = "a2b",
    device: torch.device | str = "cpu",
    smoothing: bool | None = None,
) -> tuple[CheckpointInfo, ResnetGenerator | TFResnetGenerator]:
    """``inspect_checkpoint`` and ``load_generator`` in one read of the file."""
    opened = _open(path, smoothing)
    opened.info.config_for(direction)  # CheckpointError naming the directions there are
    return opened.info, _build(opened, direction, device)


def open_generators(
    path: str | os.PathLike[str], device: torch.device | str = "cpu", smoothing: bool | None = None
) -> tuple[CheckpointInfo, dict[str, ResnetGenerator | TFResnetGenerator]]:
    """Every generator of a checkpoint (direction -> module in eval mode), in one read of the file."""
    opened = _open(path, smoothing)
    return opened.info, {direction: _build(opened, direction, device) for direction in opened.info.directions}


def _build(opened: _Opened, direction: str, device: torch.device | str) -> ResnetGenerator | TFResnetGenerator:
    model = opened.info.config_for(direction).build("meta")
    weights = {k: v.to(torch.float32) for k, v in opened.state_dicts[normalize_direction(direction)].items()}
    model.load_state_dict(weights, strict=True, assign=True)
    return model.to(device).eval()
