"""Photo -> cartoon pairs for the built-in model: real photos, their ``cartoonize`` targets, a held-out split.

Every photo is centre-cropped to a square and resized to the training size once, up front (the cartoon is
made at that size, so its outlines have the width the model will see). The held-out split is a rule, not
a random draw: every ``holdout_every``-th file (in sorted order) of each folder, so it can be named and
reproduced. Batches are a pure function of ``(seed, step)``: resuming at a step gives the same batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import torch
from tqdm import tqdm

from ..core.errors import UgatitDeployError
from ..core.imaging import ImageReadError, is_image_file, read_image
from .cartoon import cartoonize_array


class PairsError(UgatitDeployError):
    """Photo folders that cannot be trained on."""


def square_photo(path: Path, size: int) -> np.ndarray:
    """A photo file as size x size x 3 uint8: the centred square, resized with OpenCV's area filter."""
    pixels = np.asarray(read_image(path))
    height, width = pixels.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    crop = np.ascontiguousarray(pixels[top : top + side, left : left + side])
    interpolation = cv2.INTER_AREA if side >= size else cv2.INTER_CUBIC
    return cv2.resize(crop, (size, size), interpolation=interpolation)


def split_files(folders: Sequence[Path], holdout_every: int) -> tuple[list[Path], list[Path]]:
    """(training files, held-out files): every ``holdout_every``-th image of each folder is held out."""
    train: list[Path] = []
    held: list[Path] = []
    for folder in folders:
        if not Path(folder).is_dir():
            raise PairsError(f"photo folder not found: {folder}")
        files = sorted(p for p in Path(folder).iterdir() if p.is_file() and is_image_file(p))
        if not files:
            raise PairsError(f"no images in {folder}")
        for index, path in enumerate(files):
            (held if holdout_every and index % holdout_every == holdout_every - 1 else train).append(path)
    return train, held


@dataclass
class PhotoPairs:
    """Photos and their cartoons, N x size x size x 3 uint8 each, with the files they came from."""

    photos: np.ndarray
    cartoons: np.ndarray
    files: list[Path]

    @classmethod
    def prepare(cls, files: Sequence[Path], size: int, progress: bool = True, desc: str = "pairs") -> PhotoPairs:
        photos, kept = [], []
        for path in tqdm(files, desc=desc, unit="img", disable=not progress, dynamic_ncols=True):
            try:
                photos.append(square_photo(path, size))
            except ImageReadError:
                continue  # counted below: the file list says which were kept
            kept.append(path)
        if not photos:
            raise PairsError("none of the photos could be read")
        stacked = np.stack(photos)
        return cls(stacked, np.stack([cartoonize_array(p) for p in stacked]), kept)

    def __len__(self) -> int:
        return len(self.photos)

    def batch(self, seed: int, step: int, batch_size: int, crop: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Batch ``step`` (1-based) as two B x 3 x crop x crop tensors in [-1, 1]: photos and cartoons.

        Epochs walk a seeded permutation; each sample gets a seeded random crop and horizontal flip.
        """
        n, size = len(self), self.photos.shape[1]
        first = (step - 1) * batch_size
        picks = []
        for position in range(first, first + batch_size):
            epoch, offset = divmod(position, n)
            picks.append(int(_epoch_order(seed, epoch, n)[offset]))
        rng = np.random.default_rng([seed, 1_000_003, step])
        photos, cartoons = [], []
        for index in picks:
            top, left = rng.integers(0, size - crop + 1, size=2)
            flip = bool(rng.integers(0, 2))
            for source, out in ((self.photos, photos), (self.cartoons, cartoons)):
                patch = source[index, top : top + crop, left : left + crop]
                out.append(patch[:, ::-1] if flip else patch)
        return to_model_input(np.stack(photos)), to_model_input(np.stack(cartoons))


@lru_cache(maxsize=4)
def _epoch_order(seed: int, epoch: int, count: int) -> np.ndarray:
    """The seeded order of the samples in one epoch (computed once per epoch, not once per sample)."""
    return np.random.default_rng([seed, epoch]).permutation(count)


def to_model_input(images: np.ndarray) -> torch.Tensor:
    """B x H x W x 3 uint8 -> B x 3 x H x W float32 in [-1, 1], the model's input."""
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float().div_(127.5).sub_(1.0)
