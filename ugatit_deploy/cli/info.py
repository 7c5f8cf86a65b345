"""``ugatit-deploy info``: what a checkpoint holds, read from its weights."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import click

from ..assets import default_model_path
from ..checkpoint import (
    GENERATOR_FILE_FORMAT,
    TF_FORMAT,
    CheckpointInfo,
    inspect_checkpoint,
    normalize_direction,
)
from ..model.config import TENSORFLOW, GeneratorConfig
from ..model.cost import count_macs, count_parameters


def describe(info: CheckpointInfo) -> dict:
    """The JSON-ready record ``info --json`` prints."""
    generators = {}
    for direction, config in info.generators.items():
        meta_model = config.build("meta")
        generators[direction] = {
            **config.to_dict(),
            "parameters": count_parameters(meta_model),
            "macs": count_macs(meta_model, (1, 3, config.img_size, config.img_size)),
        }
    return {
        "path": str(info.path),
        "format": info.format,
        "file_size_bytes": info.file_size,
        "directions": list(info.directions),
        "discriminators": list(info.discriminators),
        "generators": generators,
        "metadata": info.metadata,
    }


def _size_note(config: GeneratorConfig, info: CheckpointInfo) -> str:
    if not config.light:
        return "fixed by the weights (full model: only this size)"
    if info.format == GENERATOR_FILE_FORMAT:
        return "native size recorded in the file; light models run at any multiple of 4"
    return "light weights do not store it: official default; runs at any multiple of 4"


def _print_human(record: dict, info: CheckpointInfo) -> None:
    formats = {TF_FORMAT: "tensorflow (taki0112/UGATIT checkpoint, read without TensorFlow)"}
    rows = [
        ("checkpoint", record["path"]),
        ("format", formats.get(record["format"], record["format"])),
        ("file size", f"{record['file_size_bytes'] / 1e6:.2f} MB"),
        ("directions", ", ".join(record["directions"])),
    ]
    if record["discriminators"]:
        rows.append(("discriminators", ", ".join(record["discriminators"])))
    for key, value in record["metadata"].items():
        rows.append((f"metadata.{key}", str(value)))
    width = max(len(label) for label, _ in rows) + 2
    for label, value in rows:
        click.echo(f"{label:<{width}}{value}")
    for direction, gen in record["generators"].items():
        config = info.generators[direction]
        click.echo(f"\n{direction} generator")
        kind = "light" if gen["light"] else "full"
        click.echo(f"  {'architecture':<14}{kind}, ngf {gen['ngf']}, n_blocks {gen['n_blocks']}")
        if config.variant == TENSORFLOW:
            smoothing = "on (rho mixed as clip(rho - 0.1, 0, 1))" if config.smoothing else "off"
            click.echo(f"  {'variant':<14}tensorflow (taki0112/UGATIT): biased AdaLIN/LIN, smoothing {smoothing}")
        click.echo(f"  {'img_size':<14}{gen['img_size']} ({_size_note(config, info)})")
        click.echo(f"  {'parameters':<14}{gen['parameters']:,}")
        size = gen["img_size"]
        click.echo(f"  {'MACs':<14}{gen['macs'] / 1e9:.2f} G per image at {size}x{size}")


@click.command("info")
@click.option(
    "--ckpt",
    type=click.Path(dir_okay=True, path_type=Path),
    default=None,
    help="Official PyTorch training checkpoint (genA2B, genB2A, disGA, ...), official TensorFlow checkpoint "
    "(its folder, state file or prefix) or ugatit-deploy generator file. Default: the built-in photo -> cartoon model.",
)
@click.option(
    "--direction",
    default=None,
    metavar="a2b|b2a",
    help="Describe only this direction's generator (genA2B is a2b). Default: every generator in the file.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
@click.option("--reference", is_flag=True,
              help="Print the generated reference instead (graph forms and their gates, compute hints, formats, "
              "backends, sidecar and bench fields; what docs/reference.md holds) and exit.")  # fmt: skip
def info_command(ckpt: Path | None, direction: str | None, as_json: bool, reference: bool) -> None:
    """Describe a checkpoint: format, directions, architecture, parameters and MACs.

    The architecture (ngf, n_blocks, light, img_size) is read from the weights, never from flags.
    The file is opened with torch.load(weights_only=True): it cannot run code.

    \b
    Examples:
      ugatit-deploy info
      ugatit-deploy info --ckpt results/selfie2anime/model/selfie2anime_params_1000000.pt
      ugatit-deploy info --ckpt generator.pt --json
      ugatit-deploy info --ckpt checkpoint/UGATIT_light_selfie2anime_lsgan_4resblock_6dis_1_1_10_10_1000_sn_smoothing
      ugatit-deploy info --reference > docs/reference.md
    """
    if reference:
        from .reference import reference_markdown

        click.echo(reference_markdown(), nl=False)
        return
    path = ckpt if ckpt is not None else default_model_path()
    checkpoint = inspect_checkpoint(path)
    if direction is not None:
        config = checkpoint.config_for(direction)
        checkpoint = replace(checkpoint, generators={normalize_direction(direction): config})
    record = describe(checkpoint)
    if as_json:
        click.echo(json.dumps({**record, "notes": list(checkpoint.notes)}, indent=2, sort_keys=False))
    else:
        if ckpt is None:
            click.echo("(no --ckpt given: describing the built-in photo -> cartoon model)\n")
        for note in checkpoint.notes:
            click.echo(f"note: {note}")
        _print_human(record, checkpoint)
