"""ugatit-deploy: U-GAT-IT from training to fast, verified deployment.

>>> from ugatit_deploy import load_generator
>>> generator = load_generator("model.pt", direction="a2b")   # eval mode, architecture from the weights
>>> image, cam_logit, heatmap = generator(batch)              # batch: B x 3 x H x W in [-1, 1]
"""

from .__about__ import __version__
from .checkpoint import (
    CheckpointInfo,
    inspect_checkpoint,
    load_generator,
    read_generator_config,
    save_generator,
)
from .core.errors import CheckpointError, UgatitDeployError
from .model import Discriminator, GeneratorConfig, ResnetGenerator

__all__ = [
    "CheckpointError",
    "CheckpointInfo",
    "Discriminator",
    "GeneratorConfig",
    "ResnetGenerator",
    "UgatitDeployError",
    "__version__",
    "inspect_checkpoint",
    "load_generator",
    "read_generator_config",
    "save_generator",
]
