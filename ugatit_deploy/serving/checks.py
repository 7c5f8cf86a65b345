"""What the served model accepts, checked on each request's array before any runner sees it. Triton itself
refuses a wrong dtype, rank or channel count against the model config; these are the checks it cannot
express: sizes (multiples of 4 for light models, the model's size for full ones, the ``--max-size`` bound),
non-finite values and empty batches."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIZE_MULTIPLE = 4  # two stride-2 down-samplings, then two 2x up-samplings


@dataclass(frozen=True)
class Limits:
    """What one served model takes: any H, W (multiples of 4, at most ``max_size``) for light models,
    exactly ``img_size`` for full ones."""

    light: bool
    img_size: int
    max_size: int


def request_problem(images: np.ndarray, limits: Limits) -> str | None:
    """Why a request's ``input`` (B x 3 x H x W) cannot run, in one line; None when it can."""
    if images.dtype != np.float32:
        return f"input must be FP32, got {images.dtype}"
    if images.ndim != 4 or images.shape[1] != 3:
        return f"input must be B x 3 x H x W, got shape {list(images.shape)}"
    batch, _, height, width = images.shape
    if batch == 0:
        return "empty batch: send at least one image"
    if not limits.light and (height, width) != (limits.img_size, limits.img_size):
        return f"this full model takes {limits.img_size} x {limits.img_size} images only, got {height} x {width}"
    if height % SIZE_MULTIPLE or width % SIZE_MULTIPLE:
        return f"height and width must be multiples of {SIZE_MULTIPLE}, got {height} x {width}"
    if height > limits.max_size or width > limits.max_size:
        return (
            f"images are limited to {limits.max_size} px per side, got {height} x {width} (raise it with "
            "serve --max-model-size or UGATIT_MAX_MODEL_SIZE)"
        )
    if not np.isfinite(images).all():
        return f"input has {int((~np.isfinite(images)).sum())} NaN or Inf values"
    return None
