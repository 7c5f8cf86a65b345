"""Training the reference U-GAT-IT model (imported as ``ugatit_deploy.training``).

The official UGATIT-pytorch recipe (losses, weights, optimizers, schedule, augmentation, checkpoint
format) plus exact resume, progress, out-of-memory-free sampling, small-image support and DDP; and the
built-in model's supervised task: ``cartoonize`` (the target) and ``cartoon_trainer`` (how it was trained).
"""

from .cartoon import cartoonize
from .config import TrainConfig, build_networks, discriminator_layers
from .trainer import Trainer, TrainingInterrupted

__all__ = ["TrainConfig", "Trainer", "TrainingInterrupted", "build_networks", "cartoonize", "discriminator_layers"]
