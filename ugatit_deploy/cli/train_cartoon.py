"""``ugatit-deploy train-cartoon``: how the built-in model was made (supervised photo -> cartoon training)."""

from __future__ import annotations

from pathlib import Path

import click

from ..benchmarks.machine import cpu_isa

PHOTOS_HELP = (
    "A folder of photos to train on (repeat the option for several). Every --holdout-every-th file is held out."
)


@click.command("train-cartoon")
@click.option("--photos", "photos", multiple=True, required=True, type=click.Path(path_type=Path, file_okay=False),
              help=PHOTOS_HELP)  # fmt: skip
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Run folder: state.pt (resume), NAME_a2b.pt, losses.csv, scores.csv, samples.png, holdout.txt.",
)
@click.option("--name", default="cartoon", show_default=True, help="Name of the generator file, NAME_a2b.pt.")
@click.option("--ngf", default=16, show_default=True, help="Generator width (the official model: 64).")
@click.option("--n-res", default=4, show_default=True, help="Residual blocks in the encoder and decoder.")
@click.option("--img-size", default=256, show_default=True, help="Photo size: each photo's centred square, resized.")
@click.option(
    "--crop",
    default=128,
    show_default=True,
    help="Training crop before --full-from (4x cheaper than whole 256 px images, same pixel scale).",
)
@click.option(
    "--full-from", type=int, default=None, help="First step on whole images. Default: the last 20 percent of the steps."
)
@click.option("--iterations", default=7000, show_default=True, help="Training steps (the built-in model: 7000).")
@click.option("--batch-size", default=8, show_default=True, help="Photos per step.")
@click.option("--lr", default=5e-4, show_default=True, help="Adam learning rate; linear decay over the second half.")
@click.option(
    "--cam-weight",
    default=10.0,
    show_default=True,
    help="Weight of the CAM loss (photos 1, cartoons 0) against 10 x L1. The official 1000 slowed the task.",
)
@click.option("--holdout-every", default=20, show_default=True, help="Hold out every N-th photo of each folder.")
@click.option("--eval-images", default=48, show_default=True, help="Held-out photos scored at each evaluation.")
@click.option("--eval-freq", default=500, show_default=True, help="Score the held-out photos every N steps.")
@click.option("--save-freq", default=500, show_default=True, help="Save the state every N steps (and at the end).")
@click.option("--seed", default=0, show_default=True, help="Seed of the initial weights, data order and crops.")
@click.option(
    "--bf16/--no-bf16", default=None, help="bf16 autocast. Default: on where the CPU has AVX512_BF16 or AMX_BF16."
)
@click.option("--threads", type=int, default=None, help="torch threads (default: torch's choice).")
@click.option("--progress/--no-progress", default=True, help="Show the progress bar.")
def train_cartoon_command(photos: tuple[Path, ...], out: Path, bf16: bool | None, progress: bool,
                          **options) -> None:  # fmt: skip
    """Train a light U-GAT-IT generator to reproduce cartoonize() on real photos (how the built-in model was made).

    A supervised task, not the official GAN recipe: the paired L1 loss against each photo's cartoon, plus the
    official CAM loss with photos and cartoons as the two domains. Runs resume: the same command continues
    OUT/state.pt exactly (weights, Adam moments, step, batches). Ctrl-C saves and stops.

    \b
    Example (the built-in model; see training/README.md for its wall time):
      ugatit-deploy train-cartoon --photos ../shared/datasets/cat2dog/trainA \\
          --photos ../shared/datasets/cat2dog/trainB --photos ../shared/datasets/selfie2anime/trainA \\
          --out runs/photo2cartoon --name photo2cartoon --iterations 7000 --full-from 6701
    """
    from ..training import TrainingInterrupted
    from ..training.cartoon_trainer import CartoonConfig, CartoonTrainer

    bf16 = "BF16" in cpu_isa() if bf16 is None else bf16
    config = CartoonConfig(photos=photos, out=out, bf16=bf16, **options)
    trainer = CartoonTrainer(config, progress=progress, log=click.echo)
    try:
        score = trainer.run()
    except TrainingInterrupted as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(130) from None
    click.echo(f"done: {trainer.step} steps; generator {trainer.model_path}")
    if score is not None:
        click.echo(f"held-out task PSNR {score.psnr_db:.2f} dB (the photos themselves: {score.input_psnr_db:.2f} dB)")
