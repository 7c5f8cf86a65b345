"""The two checkpoint layouts this project reads, and the generator-only file it writes.

Official training file (UGATIT-pytorch ``save()``): a plain dict of six state_dicts
``genA2B, genB2A, disGA, disGB, disLA, disLB``; no optimizer, step or config.

ugatit-deploy generator file (``GENERATOR_FILE_FORMAT``, version ``GENERATOR_FILE_VERSION``): one
direction's generator, loadable with ``torch.load(weights_only=True)``::

    {
        "format": "ugatit-deploy/generator",
        "format_version": 1,
        "direction": "a2b" | "b2a",
        "config": {"ngf": int, "n_blocks": int, "img_size": int, "light": bool},
        "metadata": {str: str | int | float | bool},   # provenance: project version, source, notes
        "state_dict": {key: tensor},                  # exactly ResnetGenerator's keys
    }

Version 2 holds several directions (``ugatit-deploy convert`` writes both of a TensorFlow checkpoint)::

    {
        "format": "ugatit-deploy/generator",
        "format_version": 2,
        "generators": {"a2b": {"config": {...}, "state_dict": {...}}, "b2a": {...}},
        "metadata": {...},
    }

The weights are the authority: ``config`` must agree with them, and for light models it records the
native img_size, which the weights cannot tell. The TensorFlow variant's config adds
``"variant": "tensorflow"`` and ``"smoothing"`` (which its weights cannot tell either).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import torch
from torch import nn

from ..core.errors import CheckpointError
from ..core.fileio import atomic_torch_save
from ..model.config import PYTORCH, GeneratorConfig

GENERATOR_FILE_FORMAT = "ugatit-deploy/generator"
GENERATOR_FILE_VERSION = 2  # the newest this reads; one direction is still written as version 1
OFFICIAL_GENERATOR_KEYS = {"a2b": "genA2B", "b2a": "genB2A"}
OFFICIAL_DISCRIMINATOR_KEYS = ("disGA", "disGB", "disLA", "disLB")
DIRECTIONS = tuple(OFFICIAL_GENERATOR_KEYS)


def normalize_direction(direction: str) -> str:
    """``"A2B"`` -> ``"a2b"``; raise CheckpointError for anything but a2b / b2a."""
    value = str(direction).strip().lower()
    if value not in DIRECTIONS:
        raise CheckpointError(f"unknown direction {direction!r}: use one of {', '.join(DIRECTIONS)}")
    return value


def _config_of(generator: nn.Module) -> GeneratorConfig:
    return GeneratorConfig(
        ngf=generator.ngf, n_blocks=generator.n_blocks, img_size=generator.img_size, light=generator.light,
        variant=getattr(generator, "variant", PYTORCH), smoothing=getattr(generator, "smoothing", False),
    )  # fmt: skip


def _metadata(metadata: Mapping[str, str | int | float | bool] | None) -> dict[str, str | int | float | bool]:
    from ..__about__ import __version__

    record = {"ugatit_deploy_version": __version__, **dict(metadata or {})}
    for key, value in record.items():
        if not isinstance(value, (str, int, float, bool)):
            raise CheckpointError(f"metadata {key!r} must be a str, int, float or bool, got {type(value).__name__}")
    return record


def _weights(generator: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu", torch.float32).clone() for k, v in generator.state_dict().items()}


def save_generator(
    generator: nn.Module,
    path: str | os.PathLike[str],
    direction: str = "a2b",
    metadata: Mapping[str, str | int | float | bool] | None = None,
) -> None:
    """Write one generator as an ugatit-deploy generator file (version 1, atomically)."""
    payload = {
        "format": GENERATOR_FILE_FORMAT,
        "format_version": 1,
        "direction": normalize_direction(direction),
        "config": _config_of(generator).to_dict(),
        "metadata": _metadata(metadata),
        "state_dict": _weights(generator),
    }
    atomic_torch_save(payload, path)


def save_generators(
    generators: Mapping[str, nn.Module],
    path: str | os.PathLike[str],
    metadata: Mapping[str, str | int | float | bool] | None = None,
) -> None:
    """Write several directions' generators into one ugatit-deploy generator file (version 2, atomically)."""
    if not generators:
        raise CheckpointError("save_generators needs at least one generator")
    entries = {normalize_direction(d): {"config": _config_of(g).to_dict(), "state_dict": _weights(g)}
               for d, g in generators.items()}  # fmt: skip
    payload = {"format": GENERATOR_FILE_FORMAT, "format_version": 2, "generators": entries,
               "metadata": _metadata(metadata)}  # fmt: skip
    atomic_torch_save(payload, path)
