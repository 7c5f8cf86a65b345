"""``ugatit-deploy sensitivity``: which convolutions cost the most image quality when quantized to INT8."""

from __future__ import annotations

import shlex
from dataclasses import replace
from pathlib import Path

import click

from ..forms import FORMS, forms_where, get_form
from ..forms.transforms.int8_options import KeepFp, QuantRecipe
from .options import calibration_options, checkpoint_options, int8_options, recipe_options, resolve_checkpoint


@click.command("sensitivity")
@checkpoint_options("Official training checkpoint or ugatit-deploy generator file.")
@click.option(
    "--variant",
    type=click.Choice(forms_where(float_layers=True)),
    default="int8-cpu",  # the x86 graph: what a CPU deployment quantizes
    show_default=True,
    help="; ".join(f"{f.name}: {f.summary}" for f in FORMS.values() if f.float_layers) + ".",
)
@calibration_options("calibration (and the held-out images)")
@recipe_options
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("sensitivity"),
    show_default=True,
    help="Folder for sensitivity.json, sensitivity.md and sensitivity.png.",
)
def sensitivity_command(ckpt: Path | None, direction: str, variant: str, calib: Path | None, calib_images: int,
                        recipe: QuantRecipe, out: Path) -> None:  # fmt: skip
    """Quantize each convolution alone and rank them by the image quality they cost.

    Every quantizable convolution is quantized on its own (all other layers float, ranges from one
    calibration run) and the images are compared with PyTorch FP32 on held-out images of the
    calibration domain and on natural photos (the bundled ones, turned by 90 degrees). The table lists
    the worst layer first, with its share of the multiply-accumulates: leave the worst few in float
    by name with `export --keep-fp NAMES`. Takes one INT8 quantization and evaluation per layer (19
    for U-GAT-IT): a diagnostic. `--keep-fp N` and `auto` rank the layers in one quantized graph
    instead, by the error each adds with every layer quantized.

    \b
    Examples:
      ugatit-deploy sensitivity
      ugatit-deploy sensitivity --ckpt run.pt --calib data/selfie2anime/testA --out sens/
      ugatit-deploy export --ckpt run.pt --precision int8-cpu --keep-fp UpBlock2.7,DownBlock.9
    """
    from tqdm import tqdm

    from ..checkpoint import open_generator
    from ..core.reference_images import photo_variants
    from ..export import GraphOptions, export_graph
    from ..export.sensitivity import format_sensitivity, sensitivity_of_generator, write_sensitivity
    from ..forms.transforms.int8 import calibration_set, float_layers

    checkpoint = resolve_checkpoint(ckpt)
    form = get_form(variant)
    int8 = int8_options(calib, calib_images, KeepFp(), recipe)
    info, generator = open_generator(checkpoint, direction)
    for note in info.notes:
        click.echo(f"note: {note}")
    size = info.config_for(direction).img_size
    calibration = calibration_set(int8.calib, int8.calib_images, info.metadata, direction, size)
    model = export_graph(generator, replace(GraphOptions(), adailn="function"))
    click.echo(f"calibration: {calibration.source}")
    results = sensitivity_of_generator(
        generator, model, calibration, form, photo_variants(size),
        progress=lambda layers: tqdm(layers, desc="quantizing one layer at a time", unit="layer"), recipe=int8.recipe,
    )  # fmt: skip
    argv = ["ugatit-deploy", "sensitivity", "--variant", variant, "--out", str(out)]
    context = {"checkpoint": checkpoint.name, "direction": direction, "variant": variant, "size": size,
               "calibration": f"{calibration.source}; {form.recipe(int8.recipe).describe()}",
               "float_layers": float_layers(model),
               "command": shlex.join(argv + (["--ckpt", str(ckpt)] if ckpt else []))}  # fmt: skip
    files = write_sensitivity(results, out, context)
    click.echo("\n" + format_sensitivity(results))
    click.echo(f"\nalways float: {', '.join(float_layers(model))}")
    click.echo(f"wrote {', '.join(str(p) for p in files.values())}")
