"""Training data: the official two-domain folder layout and a resumable, deterministic sample stream.

Layout: ``DATASET/{trainA,trainB,testA,testB}``. Augmentation is the official one: random horizontal
flip, bilinear resize to (img_size + 30) square, random img_size crop, [-1, 1].

Every random choice (epoch order, flip, crop) is a pure function of ``(seed, domain, sample index)``,
so the stream's whole state is one integer per domain: resuming is exact, and data-parallel ranks
take disjoint slices of the same global batches.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..core.errors import UgatitDeployError
from ..core.imaging import ImageReadError, image_to_tensor, is_image_file, read_image, resize

DOMAINS = ("trainA", "trainB", "testA", "testB")
CROP_MARGIN = 30  # official: resize to img_size + 30, then random crop


class DatasetError(UgatitDeployError):
    """A dataset folder that cannot be trained on."""


CACHE_BUDGET_BYTES = 2 << 30  # decoded images kept in memory; beyond this they are re-read on use


class DomainImages:
    """One domain folder's readable images, prepared at ``size`` x ``size`` (bilinear, as official).

    Every file is decoded once up front, so unreadable ones are skipped (and counted) before training
    starts. Prepared images are cached in memory up to CACHE_BUDGET_BYTES per domain.
    """

    def __init__(self, folder: Path, size: int, min_size: int | None = None) -> None:
        if not folder.is_dir():
            raise DatasetError(f"missing domain folder: {folder}")
        self.folder = folder
        self.size = size
        self.paths: list[Path] = []
        self.skipped: list[str] = []
        self.upscaled = 0
        self._cache: dict[int, Image.Image] = {}
        files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
        budget = CACHE_BUDGET_BYTES // (size * size * 3)
        for path in files:
            if not is_image_file(path):
                self.skipped.append(f"{path.name}: not an image file")
                continue
            try:
                image = read_image(path)
            except ImageReadError as exc:
                self.skipped.append(str(exc))
                continue
            self.upscaled += min(image.size) < (min_size or size)
            if len(self._cache) < budget:
                self._cache[len(self.paths)] = resize(image, (size, size))
            self.paths.append(path)
        if not self.paths:
            what = "no readable images" if any(is_image_file(p) for p in files) else "no image files"
            raise DatasetError(f"{folder} has {what} ({len(self.skipped)} file(s) skipped); need at least one")

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> Image.Image:
        cached = self._cache.get(index)
        return cached if cached is not None else resize(read_image(self.paths[index]), (self.size, self.size))

    def report(self) -> str | None:
        """One line on what was skipped or upscaled, or None when every file was fine."""
        notes = []
        if self.skipped:
            notes.append(f"skipped {len(self.skipped)} unusable file(s), e.g. {self.skipped[0]}")
        if self.upscaled:
            notes.append(f"{self.upscaled} image(s) smaller than the training size were upscaled")
        return f"{self.folder}: " + "; ".join(notes) if notes else None


def load_dataset(root: Path, img_size: int, domains: tuple[str, ...] = DOMAINS) -> dict[str, DomainImages]:
    """Load domain folders: train domains at img_size + 30 (for the random crop), test at img_size."""
    if not root.is_dir():
        raise DatasetError(f"dataset folder not found: {root}")
    sizes = {name: img_size + (CROP_MARGIN if name.startswith("train") else 0) for name in domains}
    return {name: DomainImages(root / name, sizes[name], min_size=img_size) for name in domains}


def _mix(*values: int) -> int:
    """A 63-bit seed from integers (SplitMix64 finaliser over their combination)."""
    state = 0x9E3779B97F4A7C15
    for value in values:
        state = (state ^ (value & 0xFFFFFFFFFFFFFFFF)) * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF
        state ^= state >> 31
    return state & 0x7FFFFFFFFFFFFFFF


class SampleStream:
    """An endless, reproducible stream of augmented training samples from one domain.

    Sample ``i`` is image ``perm_e[i mod n]`` of epoch ``e = i // n`` (a fresh shuffle per epoch, as
    the official DataLoader(shuffle=True) does), flipped and cropped with randomness drawn from
    ``(seed, domain_id, i)``. ``position`` is the index of the next sample: the stream's whole state.
    """

    def __init__(self, domain: DomainImages, img_size: int, seed: int, domain_id: int, position: int = 0) -> None:
        self.domain = domain
        self.img_size = img_size
        self.seed = seed
        self.domain_id = domain_id
        self.position = position
        self._epoch = -1
        self._perm: list[int] = []

    def _permutation(self, epoch: int) -> list[int]:
        if epoch != self._epoch:
            generator = torch.Generator().manual_seed(_mix(self.seed, self.domain_id, epoch, 1))
            self._perm = torch.randperm(len(self.domain), generator=generator).tolist()
            self._epoch = epoch
        return self._perm

    def sample(self, index: int) -> torch.Tensor:
        """The augmented sample at global index ``index`` (3 x img_size x img_size in [-1, 1])."""
        n = len(self.domain)
        image = self.domain[self._permutation(index // n)[index % n]]
        rng = np.random.default_rng(_mix(self.seed, self.domain_id, index, 2))
        if rng.random() < 0.5:
            image = image.transpose(Image.FLIP_LEFT_RIGHT)
        margin = image.size[0] - self.img_size
        left, top = (int(v) for v in rng.integers(0, margin + 1, size=2))
        return image_to_tensor(image.crop((left, top, left + self.img_size, top + self.img_size)))

    def next_batch(self, batch_size: int, rank: int = 0, world_size: int = 1) -> torch.Tensor:
        """This rank's slice of the next global batch of ``batch_size * world_size`` samples."""
        start = self.position + rank * batch_size
        batch = torch.stack([self.sample(start + k) for k in range(batch_size)])
        self.position += batch_size * world_size
        return batch
