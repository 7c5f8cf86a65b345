"""The bench's reference: the checkpoint's PyTorch FP32 images of the bench's inputs, which every record is
compared with.

They are computed with the generator the exports of this process use (``export.reuse``), one image at a time, so
an export validating on the same images (the bundled photos and demo images) reads them instead of computing them
again; and they are kept in the cache under a key of the checkpoint, the direction, the images, the CPU class, the
thread count and the versions, so a second bench of the same model starts measuring at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from ..checkpoint import checkpoint_sha256
from ..core import cache
from ..core.cpu_caps import cpu_class
from ..export.reuse import opened_generator, torch_outputs

REFERENCE = "reference"  # the cache kind


def reference_key(checkpoint: Path, direction: str, images: np.ndarray) -> str:
    """The cache key of these images' reference: what decides PyTorch's numbers (the checkpoint's content, the
    direction, the images' bytes and shape, the CPU class, the thread count) and the versions."""
    digest = hashlib.sha256(np.ascontiguousarray(images, np.float32).tobytes()).hexdigest()
    return cache.cache_key(checkpoint=checkpoint_sha256(checkpoint), direction=direction, images=digest,
                           shape=list(images.shape), cpu=cpu_class(), threads=torch.get_num_threads())  # fmt: skip


def reference_images(checkpoint: Path, direction: str, images: np.ndarray,
                     log: Callable[[str], None] = print) -> np.ndarray:  # fmt: skip
    """The generator's output images of ``images`` (N x 3 x H x W in [-1, 1]): reused from the cache (said in one
    line), else computed and kept."""
    key = reference_key(checkpoint, direction, images)
    kept = cache.read_array(REFERENCE, key)
    if kept is not None and kept.shape == images.shape and kept.dtype == np.float32:
        log(f"reusing the PyTorch FP32 reference images computed earlier ({REFERENCE}/{key})")
        return kept
    _, generator = opened_generator(str(checkpoint), direction)
    reference = torch_outputs(generator, torch.from_numpy(np.ascontiguousarray(images)))[0]
    inputs = {"checkpoint": checkpoint.name, "direction": direction, "images": list(images.shape),
              "cpu_class": cpu_class(), "threads": torch.get_num_threads()}  # fmt: skip
    cache.write_array(REFERENCE, key, reference, inputs)
    return reference
