"""Recreate the built-in example generator: ``python -m ugatit_deploy.assets.make_example``."""

from __future__ import annotations

import torch

from ..checkpoint import save_generator
from ..model.config import GeneratorConfig
from . import EXAMPLE_GENERATOR

EXAMPLE_CONFIG = GeneratorConfig(ngf=8, n_blocks=4, img_size=64, light=True)


def main() -> None:
    torch.manual_seed(0)
    generator = EXAMPLE_CONFIG.build()
    save_generator(
        generator,
        EXAMPLE_GENERATOR,
        direction="a2b",
        metadata={"source": "random initialisation, torch.manual_seed(0)", "trained": False},
    )
    print(f"wrote {EXAMPLE_GENERATOR}")


if __name__ == "__main__":
    main()
