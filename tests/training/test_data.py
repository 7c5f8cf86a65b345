"""Training data (``training.data``): the official layout, image conversions, bad files, the deterministic stream."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from support.training_helpers import make_dataset

from ugatit_deploy.core.imaging import read_image
from ugatit_deploy.training.data import DatasetError, DomainImages, SampleStream, load_dataset


def _png(path, array, mode=None):
    Image.fromarray(array, mode=mode).save(path)
    return path


def test_grayscale_rgba_and_16_bit_images_become_rgb(tmp_path):
    gray = _png(tmp_path / "g.png", np.full((8, 8), 100, np.uint8))
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[..., 3] = 0  # fully transparent red: composited on white
    rgba_path = _png(tmp_path / "a.png", rgba)
    deep = _png(tmp_path / "d.png", np.full((8, 8), 65535, np.uint16))
    assert np.asarray(read_image(gray)).tolist()[0][0] == [100, 100, 100]
    assert np.asarray(read_image(rgba_path)).tolist()[0][0] == [255, 255, 255]
    assert read_image(deep).mode == "RGB" and np.asarray(read_image(deep)).max() == 255


def test_non_images_and_truncated_images_are_skipped_and_counted(tmp_path):
    folder = tmp_path / "trainA"
    folder.mkdir()
    _png(folder / "ok.png", np.zeros((70, 70, 3), np.uint8))
    (folder / "notes.txt").write_text("hello")
    good = (folder / "ok.png").read_bytes()
    (folder / "cut.png").write_bytes(good[: len(good) // 2])
    (folder / "fake.jpg").write_text("not a jpeg")
    domain = DomainImages(folder, 94, min_size=64)
    assert len(domain) == 1
    assert len(domain.skipped) == 3
    assert domain.report().startswith(f"{folder}: skipped 3 unusable file(s)")


def test_small_images_are_upscaled_with_a_note(tmp_path):
    folder = tmp_path / "trainA"
    folder.mkdir()
    _png(folder / "small.png", np.zeros((20, 30, 3), np.uint8))
    domain = DomainImages(folder, 94, min_size=64)
    assert domain[0].size == (94, 94)
    assert "1 image(s) smaller than the training size were upscaled" in domain.report()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing_root", "dataset folder not found"),
        ("missing_domain", "missing domain folder"),
        ("empty_domain", r"has no image files \(0 file\(s\) skipped\)"),
        ("only_broken", r"has no readable images \(1 file\(s\) skipped\)"),
    ],
)
def test_unusable_datasets_raise_one_clear_line(tmp_path, setup, message):
    root = tmp_path / "data"
    if setup != "missing_root":
        make_dataset(root, n=2)
    if setup == "missing_domain":
        for p in (root / "testB").iterdir():
            p.unlink()
        (root / "testB").rmdir()
    if setup == "empty_domain":
        for p in (root / "trainB").iterdir():
            p.unlink()
    if setup == "only_broken":
        for p in (root / "trainA").iterdir():
            p.unlink()
        (root / "trainA" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nxx")
    with pytest.raises(DatasetError, match=message):
        load_dataset(root, 64)


def test_stream_is_a_pure_function_of_seed_and_position(tmp_path):
    root = make_dataset(tmp_path / "data", n=3)
    domain = load_dataset(root, 64, domains=("trainA",))["trainA"]
    first = SampleStream(domain, 64, seed=5, domain_id=0)
    batches = [first.next_batch(2) for _ in range(4)]  # crosses epoch boundaries (3 images)
    again = SampleStream(domain, 64, seed=5, domain_id=0, position=4)
    assert torch.equal(again.next_batch(2), batches[2])
    other = SampleStream(domain, 64, seed=6, domain_id=0)
    assert not torch.equal(other.next_batch(2), batches[0])
    assert batches[0].shape == (2, 3, 64, 64) and batches[0].min() >= -1 and batches[0].max() <= 1


def test_ranks_take_disjoint_slices_of_the_global_batch(tmp_path):
    root = make_dataset(tmp_path / "data", n=4)
    domain = load_dataset(root, 64, domains=("trainA",))["trainA"]
    whole = SampleStream(domain, 64, 0, 0).next_batch(4)
    rank1 = SampleStream(domain, 64, 0, 0).next_batch(2, rank=1, world_size=2)
    assert torch.equal(rank1, whole[2:])
