"""``ugatit-deploy convert``: an official TensorFlow checkpoint (taki0112/UGATIT) -> one generator file."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("convert")
@click.option(
    "--tf-ckpt",
    type=click.Path(path_type=Path),
    required=True,
    help="The official TensorFlow checkpoint: its folder (e.g. checkpoint/UGATIT_light_selfie2anime_lsgan_"
    "4resblock_6dis_1_1_10_10_1000_sn_smoothing/), its 'checkpoint' state file, or a prefix "
    "(.../UGATIT_light.model-1000000).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The ugatit-deploy generator file to write (.pt), holding both directions.",
)
@click.option(
    "--smoothing/--no-smoothing",
    default=None,
    help="AdaLIN smoothing (rho mixed as clip(rho - 0.1, 0, 1)), which the weights cannot tell. Default: on "
    "when the folder name ends in _smoothing (the official code names it so), else the official default (on).",
)
def convert_command(tf_ckpt: Path, out: Path, smoothing: bool | None) -> None:
    """Convert the official TensorFlow checkpoints (e.g. the released selfie2anime weights) without TensorFlow.

    Reads the TF V2 checkpoint (index and data shards, every tensor's CRC32C checked), takes the two
    generators (generator_B is A->B, written as a2b; generator_A is B->A, b2a), reads the architecture
    (light or full, ch, n_res, img_size) from the variables' shapes, and writes one generator file that
    every command takes. Discriminators and Adam slots are left out. When the state file is missing or
    points to another machine, the newest checkpoint in the folder is taken, and this says so.

    Every command also takes the TF checkpoint folder directly (--ckpt / --model); converting once saves
    reading the multi-gigabyte checkpoint each time.

    \b
    Examples:
      ugatit-deploy convert --out selfie2anime_light.pt \\
          --tf-ckpt checkpoint/UGATIT_light_selfie2anime_lsgan_4resblock_6dis_1_1_10_10_1000_sn_smoothing
      ugatit-deploy export --ckpt selfie2anime_light.pt --precision fp32,fp16 --out exports/
      ugatit-deploy infer --model selfie2anime_light.pt photos/ --out anime/
    """
    from ..checkpoint import TF_FORMAT, open_generators, save_generators

    if out.suffix != ".pt":
        raise click.BadParameter(f"{out}: give a .pt file name", param_hint="--out")
    info, generators = open_generators(tf_ckpt, smoothing=smoothing)
    if info.format != TF_FORMAT:
        raise click.BadParameter(f"{tf_ckpt} is not a TensorFlow checkpoint ({info.format})", param_hint="--tf-ckpt")
    for note in info.notes:
        click.echo(note)
    metadata = {"source": "taki0112/UGATIT (TensorFlow)", "tf_checkpoint": str(info.metadata["tf_checkpoint"]),
                "tf_folder": Path(tf_ckpt).resolve().name}  # fmt: skip
    save_generators(generators, out, metadata)
    for direction in generators:
        config = info.config_for(direction)
        kind = "light" if config.light else "full"
        click.echo(f"  {direction}  {kind}, ch {config.ngf}, n_res {config.n_blocks}, img_size {config.img_size}, "
                   f"smoothing {'on' if config.smoothing else 'off'}")  # fmt: skip
    click.echo(f"wrote {out} ({', '.join(generators)})")
