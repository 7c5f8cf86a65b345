"""Files shipped inside the package: the built-in model, the trainer's small test model, natural photos."""

from __future__ import annotations

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent
# The built-in model: a light generator at 256 px trained by `ugatit-deploy train-cartoon` to reproduce
# cartoonize() on real photos (command, wall time and figures in training/README.md and
# benchmarks/results/training_builtin_model.md).
DEFAULT_GENERATOR = ASSETS_DIR / "photo2cartoon.pt"
# The first demo model, kept for the tests: a light generator (ngf 8, 4 blocks, 64 px) trained by
# `ugatit-deploy train` on the synthetic circles -> squares dataset; small and fast to export.
SHAPES_GENERATOR = ASSETS_DIR / "demo_shapes_a2b.pt"


def default_model_path() -> Path:
    """The model the CLI uses when no --ckpt is given: the built-in photo -> cartoon generator."""
    return DEFAULT_GENERATOR


def shapes_model_path() -> Path:
    """The circles -> squares model (64 px): the tests' fast stand-in for a trained checkpoint."""
    return SHAPES_GENERATOR
