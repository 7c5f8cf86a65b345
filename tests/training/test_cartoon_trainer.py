"""The built-in model's trainer: it learns, writes its run folder, and resumes exactly."""

from __future__ import annotations

import csv

import pytest
import torch
from PIL import Image

from ugatit_deploy import load_generator
from ugatit_deploy.core.errors import UgatitDeployError
from ugatit_deploy.core.reference_images import photo_paths
from ugatit_deploy.training.cartoon_trainer import CartoonConfig, CartoonTrainer, learning_rate

TINY = dict(ngf=4, n_res=1, img_size=32, crop=16, batch_size=2, eval_images=2, eval_freq=2, save_freq=2)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    root = tmp_path_factory.mktemp("photos")
    for index, path in enumerate(photo_paths() * 2):
        Image.open(path).convert("RGB").resize((40, 40)).save(root / f"{index:02d}.png")
    return root


def train(photos, out, iterations: int) -> CartoonTrainer:
    config = CartoonConfig(photos=(photos,), out=out, iterations=iterations, holdout_every=4, **TINY)
    trainer = CartoonTrainer(config, progress=False, log=lambda _: None)
    trainer.run()
    return trainer


@pytest.mark.slow
def test_a_run_writes_the_generator_state_logs_samples_and_holdout(photos, tmp_path):
    trainer = train(photos, tmp_path, 4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cartoon_a2b.pt", "holdout.txt", "losses.csv",
                                                          "samples.png", "scores.csv", "state.pt"]  # fmt: skip
    assert (tmp_path / "holdout.txt").read_text().split() == [str(photos / "03.png"), str(photos / "07.png")]
    with open(tmp_path / "scores.csv") as handle:
        assert [row["step"] for row in csv.DictReader(handle)] == ["2", "4"]
    generator = load_generator(trainer.model_path)
    assert generator.ngf == 4 and generator.light


@pytest.mark.slow
def test_resuming_in_two_sittings_gives_the_same_weights(photos, tmp_path):
    once = train(photos, tmp_path / "once", 4).generator.state_dict()
    config = CartoonConfig(photos=(photos,), out=tmp_path / "twice", iterations=4, holdout_every=4, **TINY)
    first = CartoonTrainer(config, progress=False, log=lambda _: None)
    first.train_step(), first.train_step()
    first.save()  # what Ctrl-C does after a step
    resumed = CartoonTrainer(config, progress=False, log=lambda _: None)
    assert resumed.step == 2
    resumed.run()
    assert all(torch.equal(once[key], value) for key, value in resumed.generator.state_dict().items())


def test_a_state_of_another_architecture_is_refused(photos, tmp_path):
    train(photos, tmp_path, 2)
    config = CartoonConfig(photos=(photos,), out=tmp_path, iterations=4, holdout_every=4, **{**TINY, "ngf": 8})
    with pytest.raises(UgatitDeployError, match="cannot resume"):
        CartoonTrainer(config, progress=False, log=lambda _: None)


def test_the_learning_rate_is_constant_then_decays_to_zero():
    config = CartoonConfig(photos=(), out=None, iterations=10, lr=1.0, **TINY)
    assert [round(learning_rate(config, step), 2) for step in (1, 5, 6, 10)] == [1.0, 1.0, 1.0, 0.2]


def test_inconsistent_options_are_refused():
    with pytest.raises(UgatitDeployError, match="crop"):
        CartoonConfig(photos=(), out=None, img_size=32, crop=64)
    with pytest.raises(UgatitDeployError, match=">= 1"):
        CartoonConfig(photos=(), out=None, iterations=0)
