"""The ``ugatit-deploy`` command line: one click group, one module per subcommand."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from ..__about__ import __version__
from ..core.errors import UgatitDeployError
from .bench import bench_child_command, bench_command
from .build import build_command
from .convert import convert_command
from .data import data_group
from .demo import demo_command
from .export import export_command
from .infer import infer_command
from .info import info_command
from .sensitivity import sensitivity_command
from .serve import serve_command
from .serve_web import serve_web_command
from .train import train_command
from .train_cartoon import train_cartoon_command


class _Group(click.Group):
    """Reports user mistakes (UgatitDeployError) as ``Error: <one line>`` with exit code 1, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UgatitDeployError as exc:
            error = click.ClickException(str(exc))
            error.exit_code = getattr(exc, "exit_code", 1)
            raise error from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="ugatit-deploy")
def main() -> None:
    """U-GAT-IT from checkpoint to fast, verified deployment.

    \b
    Start with:
      ugatit-deploy demo                     the whole pipeline on the built-in model, with a report
      ugatit-deploy info                     describe the built-in photo -> cartoon model
      ugatit-deploy info --ckpt run.pt       describe your checkpoint (official PyTorch or TF, or ugatit-deploy)
      ugatit-deploy convert --tf-ckpt DIR --out m.pt   the official TensorFlow weights (selfie2anime)
      ugatit-deploy data synth --out shapes  a small two-domain dataset (circles -> squares)
      ugatit-deploy train --dataset shapes --light --img-size 64 --ch 8 --dis-ch 16 --batch-size 8
      ugatit-deploy export --precision fp32,fp16,int8   validated ONNX files of the built-in model
      ugatit-deploy sensitivity              which layers INT8 hurts most, each alone
      ugatit-deploy bench                    parity and latency of every backend, with a report
      ugatit-deploy infer photos/ --out out/ translate images (checkpoint, ONNX or engine)
      ugatit-deploy serve                    serve it from a Triton Inference Server (CPU)
      ugatit-deploy export --format web      a page that runs it in the browser (serve-web BUNDLE)

    Every command takes --help.
    """


main.add_command(info_command)
main.add_command(convert_command)
main.add_command(train_command)
main.add_command(train_cartoon_command)
main.add_command(data_group)
main.add_command(export_command)
main.add_command(sensitivity_command)
main.add_command(build_command)
main.add_command(bench_command)
main.add_command(bench_child_command)  # hidden: what bench --isa runs per CPU class
main.add_command(infer_command)
main.add_command(serve_command)
main.add_command(serve_web_command)
main.add_command(demo_command)


def run_script(name: str, args: Sequence[str] | None = None) -> None:
    """Run one subcommand as a script (``python training/train.py ...``) with the CLI's error handling:
    a user mistake is one ``Error:`` line and a non-zero exit, never a traceback."""
    command: click.Command = main
    for part in name.split():  # "data synth": a subcommand of a group
        command = command.commands[part]  # type: ignore[attr-defined]
    prog = f"python {Path(sys.argv[0]).as_posix()}" if sys.argv and sys.argv[0] else f"ugatit-deploy {name}"
    try:
        command.main(args=list(args) if args is not None else None, prog_name=prog, standalone_mode=False)
    except UgatitDeployError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(getattr(exc, "exit_code", 1))
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("Aborted!", err=True)
        sys.exit(1)
