"""Files shipped inside the package: the built-in default model of the main job."""

from __future__ import annotations

from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent
# A tiny light generator (ngf 8, 4 blocks, 64 px), seeded random initialisation: a smoke-test model that
# exercises every code path in seconds. Recreate it with `python -m ugatit_deploy.assets.make_example`.
EXAMPLE_GENERATOR = ASSETS_DIR / "example_tiny_light64.pt"


def default_model_path() -> Path:
    """The model the CLI uses when no --ckpt is given."""
    return EXAMPLE_GENERATOR
