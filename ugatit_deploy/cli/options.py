"""Options several commands share, defined once: the checkpoint and direction, INT8 calibration, --keep-fp."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..assets import default_model_path

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def checkpoint_options(help_text: str, direction_help: str | None = None) -> Decorator:
    """``--ckpt FILE`` (default: the built-in demo model) and ``--direction a2b|b2a``."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        command = click.option("--direction", default="a2b", show_default=True, metavar="a2b|b2a",
                               help=direction_help)(command)  # fmt: skip
        return click.option("--ckpt", type=click.Path(path_type=Path, dir_okay=False), default=None,
                            help=f"{help_text} Default: the built-in demo model.")(command)  # fmt: skip

    return decorate


def resolve_checkpoint(ckpt: Path | None) -> Path:
    """``--ckpt``, or the built-in demo model; a usage error (exit 2) when the file does not exist."""
    checkpoint = ckpt or default_model_path()
    if not checkpoint.is_file():
        raise click.BadParameter(f"{checkpoint}: no such file", param_hint="--ckpt")
    return checkpoint


def calibration_options(what: str) -> Decorator:
    """``--calib DIR`` and ``--calib-images N``, as the INT8 export takes them."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        command = click.option("--calib-images", default=64, show_default=True,
                               help="Use at most N calibration images.")(command)  # fmt: skip
        return click.option("--calib", type=click.Path(path_type=Path), default=None,
                            help=f"Image folder for {what}. Default: the training test split if the file "
                            "records it, else the bundled reference images.")(command)  # fmt: skip

    return decorate


def _parse_keep_fp(_ctx: click.Context, _param: click.Parameter, value: str | None) -> int | str | tuple[str, ...]:
    if value is None:
        return ()
    if value.strip().lower() == "auto":
        return "auto"
    if value.strip().isdigit():
        return int(value)
    names = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    if not names:
        raise click.BadParameter("expected a count or layer names, e.g. 3 or UpBlock2.2,DownBlock.9")
    return names


def keep_fp_option(help_text: str) -> Decorator:
    """``--keep-fp auto|N|LAYERS``: INT8 convolutions to leave in float (see ``export_checkpoint``)."""
    return click.option("--keep-fp", default=None, callback=_parse_keep_fp, metavar="auto|N|LAYERS", help=help_text)
