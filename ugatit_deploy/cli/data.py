"""``ugatit-deploy data``: datasets for training and tests."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("data")
def data_group() -> None:
    """Make or inspect training datasets."""


@data_group.command("synth")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder to create (official layout).")
@click.option("--n", default=400, show_default=True, help="Training images per domain (test: n/4, at least 8).")
@click.option("--size", default=64, show_default=True, help="Image side in pixels.")
@click.option("--seed", default=0, show_default=True, help="Same seed, same images, byte for byte.")
def synth_command(out: Path, n: int, size: int, seed: int) -> None:
    """Write the circles -> squares dataset: domain A holds filled circles, domain B filled squares of
    the same colours, positions and sizes, over muted gradient backgrounds. Translating A to B needs
    a change of shape, not only of colour. OUT/meta.json records every image's shape and colour.

    \b
    Example:
      ugatit-deploy data synth --out data/shapes --n 400 --size 64
    """
    from ..core.errors import UgatitDeployError
    from ..training.synth import generate

    if n < 1 or size < 16:
        raise UgatitDeployError(f"--n must be >= 1 and --size >= 16, got n={n}, size={size}")
    meta = generate(out, n=n, size=size, seed=seed)
    click.echo(f"wrote {len(meta['images'])} images ({n} per train domain) to {out}")
