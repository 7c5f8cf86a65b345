"""Files shipped inside the package: the built-in demo model and natural photos for parity checks."""

from __future__ import annotations

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent
# The project's own demo model: a light generator (ngf 8, 4 blocks, 64 px) trained by `ugatit-deploy train`
# on the synthetic circles -> squares dataset (command and figures in docs/training.md, "The demo model").
DEMO_GENERATOR = ASSETS_DIR / "demo_shapes_a2b.pt"


def default_model_path() -> Path:
    """The model the CLI uses when no --ckpt is given."""
    return DEMO_GENERATOR
