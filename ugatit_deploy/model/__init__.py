"""The U-GAT-IT networks: state_dict-compatible with the official PyTorch code."""

from .config import GeneratorConfig
from .discriminator import Discriminator
from .generator import ResnetAdaILNBlock, ResnetBlock, ResnetGenerator
from .normalization import ILN, AdaILN, RhoClipper, instance_layer_mix

__all__ = [
    "AdaILN",
    "Discriminator",
    "GeneratorConfig",
    "ILN",
    "ResnetAdaILNBlock",
    "ResnetBlock",
    "ResnetGenerator",
    "RhoClipper",
    "instance_layer_mix",
]
