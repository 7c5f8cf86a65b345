"""Reading and writing checkpoints: official training files and ugatit-deploy generator files."""

from .formats import (
    DIRECTIONS,
    GENERATOR_FILE_FORMAT,
    GENERATOR_FILE_VERSION,
    normalize_direction,
    save_generator,
)
from .loading import (
    OFFICIAL_FORMAT,
    CheckpointInfo,
    inspect_checkpoint,
    load_generator,
    open_generator,
    read_generator_config,
)
from .safe_load import read_checkpoint_file

__all__ = [
    "DIRECTIONS",
    "GENERATOR_FILE_FORMAT",
    "GENERATOR_FILE_VERSION",
    "OFFICIAL_FORMAT",
    "CheckpointInfo",
    "inspect_checkpoint",
    "load_generator",
    "normalize_direction",
    "open_generator",
    "read_checkpoint_file",
    "read_generator_config",
    "save_generator",
]
