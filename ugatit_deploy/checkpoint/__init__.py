"""Reading and writing checkpoints: official PyTorch training files, ugatit-deploy generator files and the
official TensorFlow checkpoints (read without TensorFlow)."""

from .formats import (
    DIRECTIONS,
    GENERATOR_FILE_FORMAT,
    GENERATOR_FILE_VERSION,
    normalize_direction,
    save_generator,
    save_generators,
)
from .loading import (
    OFFICIAL_FORMAT,
    TF_FORMAT,
    CheckpointInfo,
    checkpoint_sha256,
    inspect_checkpoint,
    load_generator,
    open_generator,
    open_generators,
    read_generator_config,
)
from .safe_load import read_checkpoint_file

__all__ = [
    "DIRECTIONS",
    "GENERATOR_FILE_FORMAT",
    "GENERATOR_FILE_VERSION",
    "OFFICIAL_FORMAT",
    "TF_FORMAT",
    "CheckpointInfo",
    "checkpoint_sha256",
    "inspect_checkpoint",
    "load_generator",
    "normalize_direction",
    "open_generator",
    "open_generators",
    "read_checkpoint_file",
    "read_generator_config",
    "save_generator",
    "save_generators",
]
