"""Training checkpoints: the official six-network file, our resume state, and generator-only exports.

Under ``<result_dir>/<name>/model/``, every save at step S writes, each atomically:

- ``<name>_params_%07d.pt``: the official format (six state_dicts, nothing else), which the official
  UGATIT-pytorch code loads as is;
- ``<name>_a2b.pt`` / ``<name>_b2a.pt``: ugatit-deploy generator files (latest save);
- ``<name>_resume.pt``: what the official file lacks for an exact resume: step, both optimizers'
  state and the run's options. Written last, so it never points at a params file that is missing.
"""

from __future__ import annotations

import re
from pathlib import Path

import torch
from torch import nn

from ..checkpoint import read_checkpoint_file, save_generator
from ..core.errors import UgatitDeployError
from ..core.fileio import atomic_torch_save
from .config import TrainConfig

RESUME_FORMAT = "ugatit-deploy/train-state"
RESUME_VERSION = 1
NETWORKS = ("genA2B", "genB2A", "disGA", "disGB", "disLA", "disLB")


class ResumeError(UgatitDeployError):
    """A run that cannot be resumed as asked."""


def model_dir(config: TrainConfig) -> Path:
    return config.run_dir / "model"


def params_path(config: TrainConfig, step: int) -> Path:
    return model_dir(config) / f"{config.name}_params_{step:07d}.pt"


def resume_path(config: TrainConfig) -> Path:
    return model_dir(config) / f"{config.name}_resume.pt"


def save_checkpoint(
    config: TrainConfig, step: int, nets: dict[str, nn.Module], optimizers: dict[str, torch.optim.Optimizer]
) -> Path:
    """Write the official params file, the generator exports and the resume state for ``step``."""
    path = params_path(config, step)
    atomic_torch_save({name: nets[name].state_dict() for name in NETWORKS}, path)
    provenance = {"trained_steps": step, "dataset": str(config.dataset), "run": config.name}
    save_generator(nets["genA2B"], model_dir(config) / f"{config.name}_a2b.pt", "a2b", provenance)
    save_generator(nets["genB2A"], model_dir(config) / f"{config.name}_b2a.pt", "b2a", provenance)
    state = {
        "format": RESUME_FORMAT,
        "format_version": RESUME_VERSION,
        "step": step,
        "params_file": path.name,
        "architecture": config.architecture(),
        "options": config.to_record(),
        "optimizers": {name: opt.state_dict() for name, opt in optimizers.items()},
    }
    atomic_torch_save(state, resume_path(config))
    return path


def latest_params(config: TrainConfig) -> tuple[int, Path] | None:
    """The highest-step official params file of this run, if any."""
    pattern = re.compile(rf"^{re.escape(config.name)}_params_(\d+)\.pt$")
    found = [(int(m.group(1)), p) for p in model_dir(config).glob("*.pt") if (m := pattern.match(p.name))]
    return max(found) if found else None


def load_for_resume(
    config: TrainConfig, nets: dict[str, nn.Module], optimizers: dict[str, torch.optim.Optimizer]
) -> tuple[int, str]:
    """Restore weights (and optimizer state where saved); return (step, one-line note)."""
    state_file = resume_path(config)
    state = read_checkpoint_file(state_file) if state_file.exists() else None
    if state is not None:
        if state.get("format") != RESUME_FORMAT or state.get("format_version", 99) > RESUME_VERSION:
            raise ResumeError(f"{state_file} is not a resume state this version can read")
        if state["architecture"] != config.architecture():
            raise ResumeError(
                f"cannot resume {config.name}: its checkpoint has architecture {state['architecture']}, "
                f"this run asks for {config.architecture()} (check --light, --ch, --n-res, --img-size)"
            )
        step, path = int(state["step"]), model_dir(config) / state["params_file"]
    else:
        latest = latest_params(config)
        if latest is None:
            raise ResumeError(f"nothing to resume: no {config.name}_params_*.pt in {model_dir(config)}")
        step, path = latest
    params = read_checkpoint_file(path)
    for name in NETWORKS:
        if not isinstance(params, dict) or name not in params:
            raise ResumeError(f"{path} has no {name}: not an official U-GAT-IT training checkpoint")
        try:
            nets[name].load_state_dict(params[name])
        except RuntimeError as exc:
            first = str(exc).strip().splitlines()
            detail = first[1].strip() if len(first) > 1 else first[0]
            raise ResumeError(
                f"cannot resume from {path}: {name} does not fit this run's architecture ({detail})"
            ) from None
    if state is None:
        return (
            step,
            f"resumed weights from {path.name} (step {step}); no optimizer state found: "
            "fresh Adam moments, as the official code does",
        )
    for name, optimizer in optimizers.items():
        optimizer.load_state_dict(state["optimizers"][name])
    return step, f"resumed from step {step} ({path.name} + {state_file.name}: weights, optimizers, schedule)"
