"""Tiny training configurations and datasets for the training tests."""

from __future__ import annotations

from pathlib import Path

from ugatit_deploy.training import TrainConfig
from ugatit_deploy.training.synth import generate


def make_dataset(root: Path, n: int = 6, size: int = 64) -> Path:
    generate(root, n=n, size=size, seed=1, n_test=2)
    return root


def tiny_config(dataset: Path, result_dir: Path, **overrides) -> TrainConfig:
    """64 px, light, ch 4, one residual block: a full official step in well under a second."""
    options = dict(
        dataset=dataset,
        name="tiny",
        light=True,
        img_size=64,
        ch=4,
        n_res=1,
        iterations=2,
        print_freq=1000,
        save_freq=1000,
        result_dir=result_dir,
        sample_count=2,
    )
    options.update(overrides)
    return TrainConfig(**options)
