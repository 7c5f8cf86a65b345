"""Photo -> cartoon pairs: the held-out rule, square photos, and batches that are a pure function of the step."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ugatit_deploy.core.reference_images import photo_paths
from ugatit_deploy.training.photo_pairs import PairsError, PhotoPairs, split_files, square_photo


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("photos")
    for index, path in enumerate(photo_paths() * 2):
        Image.open(path).convert("RGB").resize((48, 40)).save(root / f"{index:02d}.jpg")
    (root / "notes.txt").write_text("not an image")
    return root


def test_every_nth_file_of_each_folder_is_held_out(folder):
    train, held = split_files([folder], 3)
    assert [p.name for p in held] == ["02.jpg", "05.jpg"]
    assert len(train) == 6 and not set(train) & set(held)


def test_a_missing_or_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(PairsError, match="photo folder not found"):
        split_files([tmp_path / "nope"], 20)
    with pytest.raises(PairsError, match="no images in"):
        split_files([tmp_path], 20)


def test_photos_are_centre_squares_at_the_training_size(folder):
    square = square_photo(folder / "00.jpg", 32)
    assert square.shape == (32, 32, 3) and square.dtype == np.uint8


def test_batches_depend_on_the_seed_and_step_only(folder):
    train, _ = split_files([folder], 0)
    pairs = PhotoPairs.prepare(train, 32, progress=False)
    photos, cartoons = pairs.batch(seed=1, step=5, batch_size=3, crop=16)
    assert photos.shape == cartoons.shape == (3, 3, 16, 16)
    again = pairs.batch(seed=1, step=5, batch_size=3, crop=16)
    assert all(np.array_equal(a, b) for a, b in zip((photos, cartoons), again, strict=True))
    assert not np.array_equal(photos, pairs.batch(seed=1, step=6, batch_size=3, crop=16)[0])
    assert float(photos.min()) >= -1 and float(photos.max()) <= 1
