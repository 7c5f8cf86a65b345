"""Training hyper-parameters (official defaults) and the networks they describe."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

from torch import nn

from ..core.errors import UgatitDeployError
from ..model import Discriminator, GeneratorConfig

GLOBAL_LAYERS = 7  # official global discriminator depth (inputs >= 128 px)
LOCAL_LAYERS = 5  # official local discriminator depth
MIN_FINAL_MAP = 4  # feature-map side before the last stride-1 convs: 4 -> 3 -> 2 (as 128 px with 7 layers)


class TrainConfigError(UgatitDeployError):
    """Inconsistent training options."""


def discriminator_layers(img_size: int) -> tuple[int, int]:
    """(global, local) discriminator depths for an image size.

    Official: 7 and 5. A depth-n discriminator halves its input n - 2 times and then needs a map of at
    least 4 px (below that, reflection padding fails: the 7-layer one cannot take 64 px). Below 128 px
    both depths are capped at ``2 + log2(img_size / 4)``: 6 at 64 px, 5 at 32 px, 4 at 16 px.
    """
    cap = 2 + int(math.floor(math.log2(img_size / MIN_FINAL_MAP)))
    return min(GLOBAL_LAYERS, cap), min(LOCAL_LAYERS, cap)


@dataclass(frozen=True)
class TrainConfig:
    """Every option of a training run. Defaults are the official UGATIT-pytorch ones."""

    dataset: Path
    name: str
    light: bool = False
    img_size: int = 256
    ch: int = 64
    dis_ch: int | None = None  # discriminator width; None: the same as ch (official)
    n_res: int = 4
    iterations: int = 1_000_000
    batch_size: int = 1
    lr: float = 1e-4
    weight_decay: float = 1e-4
    adv_weight: float = 1.0
    cycle_weight: float = 10.0
    identity_weight: float = 10.0
    cam_weight: float = 1000.0
    decay: bool = True
    print_freq: int = 1000
    save_freq: int = 100_000
    result_dir: Path = Path("results")
    resume: bool = False
    device: str = "cpu"
    seed: int = 0
    amp: bool = False
    sample_count: int = 5

    def __post_init__(self) -> None:
        checks = [
            (self.img_size >= 16 and self.img_size % 4 == 0,
             f"--img-size must be a multiple of 4 and >= 16, got {self.img_size}"),
            (self.ch >= 1, f"--ch must be >= 1, got {self.ch}"),
            (self.dis_ch is None or self.dis_ch >= 1, f"--dis-ch must be >= 1, got {self.dis_ch}"),
            (self.n_res >= 0, f"--n-res must be >= 0, got {self.n_res}"),
            (self.iterations >= 1, f"--iterations must be >= 1, got {self.iterations}"),
            (self.batch_size >= 1, f"--batch-size must be >= 1, got {self.batch_size}"),
            (self.lr > 0, f"--lr must be > 0, got {self.lr}"),
            (self.print_freq >= 1 and self.save_freq >= 1, "--print-freq and --save-freq must be >= 1"),
            (bool(self.name) and "/" not in self.name, f"--name must be a plain name, got {self.name!r}"),
            (self.device in ("cpu", "cuda"), f"--device must be cpu or cuda, got {self.device!r}"),
        ]  # fmt: skip
        for ok, message in checks:
            if not ok:
                raise TrainConfigError(message)

    @property
    def generator(self) -> GeneratorConfig:
        return GeneratorConfig(ngf=self.ch, n_blocks=self.n_res, img_size=self.img_size, light=self.light)

    @property
    def ndf(self) -> int:
        return self.dis_ch or self.ch

    @property
    def run_dir(self) -> Path:
        return Path(self.result_dir) / self.name

    def architecture(self) -> dict[str, int | bool]:
        """What must match for a checkpoint to be resumed by this run."""
        g, l = discriminator_layers(self.img_size)  # noqa: E741
        return {**self.generator.to_dict(), "ndf": self.ndf, "global_layers": g, "local_layers": l}

    def to_record(self) -> dict:
        """JSON-ready copy of the options (paths as strings)."""
        return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}


def build_networks(config: TrainConfig) -> dict[str, nn.Module]:
    """The six official networks, created in the official order (same seed, same initial weights)."""
    global_layers, local_layers = discriminator_layers(config.img_size)
    gen = config.generator
    return {
        "genA2B": gen.build(),
        "genB2A": gen.build(),
        "disGA": Discriminator(config.ndf, global_layers),
        "disGB": Discriminator(config.ndf, global_layers),
        "disLA": Discriminator(config.ndf, local_layers),
        "disLB": Discriminator(config.ndf, local_layers),
    }
