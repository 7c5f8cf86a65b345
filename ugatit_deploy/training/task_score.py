"""The built-in model's task score: how close a translation is to ``cartoonize(input)``.

Reported beside parity, so that a precision's cost shows on the task, not only against FP32: PSNR and SSIM
of each output against the cartoon of its input (uint8, data range 255), averaged over images, next to the
input photo's own score against that cartoon (what doing nothing scores).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.jsonrecord import JsonRecord
from ..core.parity import psnr, ssim
from .cartoon import cartoonize_array


@dataclass(frozen=True, kw_only=True)
class TaskScore(JsonRecord):
    """Mean PSNR (dB) / SSIM of outputs and of the inputs themselves against the inputs' cartoons."""

    images: int
    psnr_db: float
    ssim: float
    input_psnr_db: float
    input_ssim: float

    @property
    def gain_db(self) -> float:
        """How far the outputs are above doing nothing, in PSNR dB."""
        return self.psnr_db - self.input_psnr_db


def _mean_scores(targets: np.ndarray, images: np.ndarray) -> tuple[float, float]:
    pairs = list(zip(targets, images, strict=True))
    psnrs = [psnr(t, i, data_range=255.0) for t, i in pairs]
    ssims = [ssim(np.moveaxis(t, -1, 0), np.moveaxis(i, -1, 0), data_range=255.0) for t, i in pairs]
    return float(np.mean(psnrs)), float(np.mean(ssims))


def cartoons_of(photos: np.ndarray) -> np.ndarray:
    """``cartoonize`` of each N x H x W x 3 uint8 photo."""
    return np.stack([cartoonize_array(np.ascontiguousarray(p)) for p in photos])


def task_score(photos: np.ndarray, outputs: np.ndarray, cartoons: np.ndarray | None = None) -> TaskScore:
    """Score N x H x W x 3 uint8 ``outputs`` of N ``photos`` against the photos' cartoons.

    ``cartoons`` may be passed when already made (``cartoons_of(photos)``); they are the same images.
    """
    if photos.shape != outputs.shape or photos.dtype != np.uint8 or outputs.dtype != np.uint8:
        raise ValueError(f"task_score takes matching uint8 image stacks, got {photos.shape} and {outputs.shape}")
    targets = cartoons_of(photos) if cartoons is None else cartoons
    out_psnr, out_ssim = _mean_scores(targets, outputs)
    in_psnr, in_ssim = _mean_scores(targets, photos)
    return TaskScore(images=len(photos), psnr_db=out_psnr, ssim=out_ssim, input_psnr_db=in_psnr,
                     input_ssim=in_ssim)  # fmt: skip
