"""A generator file with the official architecture and seeded random weights, for timing at real sizes.

    python benchmarks/official_checkpoint.py --out official_light_256.pt [--full] [--seed 0] [--ngf 64]

Speed does not depend on the weights; quality figures measured with it describe random weights only
(the built-in model's figures describe a trained model: ``--ngf 16`` is its architecture with random
weights, for side-by-side figures). Official sizes: ngf 64, 4 residual blocks, 256 px.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from ugatit_deploy.checkpoint import save_generator
from ugatit_deploy.model import GeneratorConfig


def write_official_checkpoint(out: Path, light: bool = True, seed: int = 0, ngf: int = 64) -> Path:
    torch.manual_seed(seed)
    config = GeneratorConfig(ngf=ngf, n_blocks=4, img_size=256, light=light)
    save_generator(config.build(), out, metadata={"source": f"official architecture, random weights (seed {seed})"})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--full", action="store_true", help="the full (non-light) generator (1.1 GB)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ngf", type=int, default=64, help="width (official: 64; the built-in model: 16)")
    args = parser.parse_args()
    print(f"wrote {write_official_checkpoint(args.out, not args.full, args.seed, args.ngf)}")


if __name__ == "__main__":
    main()
