"""Training data: the official layout, image conversions, bad files, and the deterministic stream."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image, ImageFilter
from training_helpers import make_dataset, tiny_config

from ugatit_deploy.cli import main
from ugatit_deploy.imaging import read_image
from ugatit_deploy.training import Trainer
from ugatit_deploy.training.data import DatasetError, DomainImages, SampleStream, load_dataset
from ugatit_deploy.training.shape_metrics import classify_shape
from ugatit_deploy.training.synth import generate, load_meta


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


def test_synth_is_deterministic_and_labelled(tmp_path):
    generate(tmp_path / "a", n=3, size=48, seed=2, n_test=2)
    generate(tmp_path / "b", n=3, size=48, seed=2, n_test=2)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.png"))
    assert len(files) == 10
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)
    meta = load_meta(tmp_path / "a")
    assert {spec.shape for name, spec in meta.items() if name.startswith("trainA")} == {"circle"}
    assert {spec.shape for name, spec in meta.items() if name.startswith("testB")} == {"square"}


@pytest.mark.parametrize("blur", [0.0, 1.5])
def test_shape_classifier_reads_every_synthetic_image_correctly(tmp_path, blur):
    root = tmp_path / "s"
    generate(root, n=40, size=64, seed=3, n_test=10)
    for name, spec in load_meta(root).items():
        image = Image.open(root / name)
        image = image.filter(ImageFilter.GaussianBlur(blur)) if blur else image
        reading = classify_shape(np.asarray(image), spec.color, math.pi * spec.r**2)
        assert reading.label == spec.shape, (name, reading)


def test_shape_classifier_says_none_when_the_colour_is_gone():
    image = np.full((64, 64, 3), 128, np.uint8)
    assert classify_shape(image, (255, 0, 0), 300.0).label == "none"


# --- CLI ------------------------------------------------------------------------------------------


def _cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_data_synth_cli(tmp_path):
    result = _cli("data", "synth", "--out", tmp_path / "d", "--n", 2, "--size", 32)
    assert result.exit_code == 0, result.output
    assert "wrote 20 images (2 per train domain)" in result.output
    assert len(list((tmp_path / "d" / "testA").iterdir())) == 8


def test_train_cli_runs_two_steps(tmp_path):
    root = make_dataset(tmp_path / "shapes", n=2)
    result = _cli(
        "train", "--dataset", root, "--light", "--img-size", 64, "--ch", 4, "--n-res", 1,
        "--iterations", 2, "--result-dir", tmp_path / "runs", "--no-progress", "--device", "cpu",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "done: 2 steps" in result.output
    assert (tmp_path / "runs" / "shapes" / "model" / "shapes_params_0000002.pt").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--img-size", "30"], "--img-size must be a multiple of 4"),
        (["--iterations", "0"], "--iterations must be >= 1"),
        (["--dataset", "/nonexistent/data"], "dataset folder not found"),
        (["--result-dir", "/proc/forbidden"], "cannot write to result dir"),
        (["--device", "cuda"], "no CUDA device is available"),
    ],
)
def test_train_cli_bad_options_give_one_error_line(tmp_path, args, message):
    if torch.cuda.is_available() and "cuda" in args:
        pytest.skip("a CUDA device is present")
    root = make_dataset(tmp_path / "shapes", n=2)
    base = ["train", "--dataset", str(root), "--light", "--img-size", "64", "--ch", "4", "--n-res", "1",
            "--iterations", "1", "--result-dir", str(tmp_path / "runs"), "--no-progress"]  # fmt: skip
    for i in range(0, len(args), 2):  # later options override earlier ones
        base += args[i : i + 2]
    result = CliRunner().invoke(main, base)
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0]


def test_training_checkpoints_never_leave_temp_files(tmp_path):
    root = make_dataset(tmp_path / "shapes", n=2)
    Trainer(tiny_config(root, tmp_path / "runs"), progress=False, log=lambda _: None).run()
    leftovers = [p for p in (tmp_path / "runs").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
