"""``ugatit-deploy train``: the official U-GAT-IT recipe with resume, progress and DDP."""

from __future__ import annotations

from pathlib import Path

import click
import torch


@click.command("train")
@click.option(
    "--dataset",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder with trainA/ trainB/ testA/ testB/ (the official layout).",
)
@click.option(
    "--name",
    default=None,
    help="Run name: checkpoints go to RESULT_DIR/NAME/. Default: the dataset folder's name.",
)
@click.option(
    "--light",
    is_flag=True,
    help="Light model: the gamma/beta MLP reads the pooled bottleneck (10.6M params at 256 px, not 279M).",
)
@click.option("--img-size", default=256, show_default=True, help="Training size (multiple of 4, >= 16).")
@click.option("--ch", default=64, show_default=True, help="Base channels of generators and discriminators (ngf/ndf).")
@click.option(
    "--dis-ch",
    type=int,
    default=None,
    help="Discriminator base channels, if not --ch. Spectrally normalised discriminators need width: a "
    "small generator (e.g. --ch 8) learns shape changes only against wider discriminators.",
)
@click.option("--n-res", default=4, show_default=True, help="Residual blocks in the generator's encoder and decoder.")
@click.option("--iterations", default=1_000_000, show_default=True, help="Training steps.")
@click.option(
    "--batch-size",
    default=1,
    show_default=True,
    help="Images per domain per step (per process under torchrun).",
)
@click.option("--lr", default=1e-4, show_default=True, help="Adam learning rate (betas 0.5, 0.999).")
@click.option("--weight-decay", default=1e-4, show_default=True, help="Adam weight decay (L2).")
@click.option("--adv-weight", default=1.0, show_default=True, help="Weight of the LSGAN losses.")
@click.option("--cycle-weight", default=10.0, show_default=True, help="Weight of the cycle L1 loss.")
@click.option("--identity-weight", default=10.0, show_default=True, help="Weight of the identity L1 loss.")
@click.option("--cam-weight", default=1000.0, show_default=True, help="Weight of the generators' CAM BCE loss.")
@click.option("--decay/--no-decay", default=True, show_default=True, help="Linear LR decay to 0 over the second half.")
@click.option(
    "--print-freq", default=1000, show_default=True, help="Write sample grids (and a log line) every N steps."
)
@click.option(
    "--save-freq",
    default=100_000,
    show_default=True,
    help="Write a checkpoint every N steps (and at the end).",
)
@click.option(
    "--result-dir",
    type=click.Path(path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Where runs are written.",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Continue the latest checkpoint of RESULT_DIR/NAME exactly (weights, optimizers, step, LR).",
)
@click.option(
    "--device",
    type=click.Choice(["cpu", "cuda"]),
    default=None,
    help="Default: cuda when available, else cpu.",
)
@click.option(
    "--seed",
    default=0,
    show_default=True,
    help="Seed of the initial weights and of the data order/augmentation.",
)
@click.option("--amp", is_flag=True, help="bf16 autocast (for CUDA; norm statistics stay in float32).")
@click.option("--progress/--no-progress", default=True, help="Show the progress bar.")
def train_command(dataset: Path, name: str | None, device: str | None, progress: bool, **options) -> None:
    """Train U-GAT-IT on a two-domain image folder, as the official code does.

    Checkpoints land in RESULT_DIR/NAME/model/: NAME_params_%07d.pt in the official six-network
    format (the official code loads them), NAME_a2b.pt / NAME_b2a.pt generator files for export, and
    NAME_resume.pt for --resume. Sample grids (input, CAM heatmap, translation, cycle) go to
    RESULT_DIR/NAME/img/, per-step losses to RESULT_DIR/NAME/losses.csv.

    Ctrl-C finishes the current step, saves, and exits; rerun with --resume to continue.
    Below 128 px the discriminators get shallower (global 6 / local 5 layers at 64 px).

    \b
    Examples:
      ugatit-deploy data synth --out data/shapes
      ugatit-deploy train --dataset data/shapes --light --img-size 64 --ch 8 --dis-ch 16 --batch-size 8 \\
          --iterations 2000
      ugatit-deploy train --dataset data/shapes --light --img-size 64 --ch 8 --dis-ch 16 --batch-size 8 --resume
      torchrun --nproc_per_node 2 -m ugatit_deploy train --dataset data/selfie2anime --light
    """
    from ..training import TrainConfig, Trainer, TrainingInterrupted

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    config = TrainConfig(dataset=dataset, name=name or dataset.resolve().name, device=device, **options)
    trainer = Trainer(config, progress=progress, log=click.echo)
    try:
        trainer.run()
    except TrainingInterrupted as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(130) from None
    finally:
        trainer.close()
    if trainer.world.is_main:
        click.echo(f"done: {config.iterations} steps; checkpoints in {config.run_dir / 'model'}")
