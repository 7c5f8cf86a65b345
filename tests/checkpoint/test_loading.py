"""Checkpoint reading: inferred architecture, round trips, and a clear error for every bad file."""

from __future__ import annotations

import pytest
import torch
from support.bad_checkpoints import BAD_CASES, bad_checkpoints
from support.models import TINY, make_generator, official_checkpoint

from ugatit_deploy import (
    CheckpointError,
    inspect_checkpoint,
    load_generator,
    read_generator_config,
    save_generator,
)
from ugatit_deploy.checkpoint import GENERATOR_FILE_FORMAT, OFFICIAL_FORMAT
from ugatit_deploy.model import GeneratorConfig


@pytest.mark.parametrize(
    "config",
    [
        GeneratorConfig(ngf=8, n_blocks=4, img_size=64, light=False),
        GeneratorConfig(ngf=16, n_blocks=2, img_size=32, light=False),
        GeneratorConfig(ngf=4, n_blocks=6, img_size=128, light=False),
        GeneratorConfig(ngf=8, n_blocks=0, img_size=64, light=False),
        GeneratorConfig(ngf=32, n_blocks=1, img_size=256, light=True),  # light: 256 is the official default
        GeneratorConfig(ngf=4, n_blocks=9, img_size=256, light=True),
    ],
)
@pytest.mark.slow
def test_official_checkpoint_config_is_read_from_the_weights(tmp_path, config):
    path = tmp_path / "ckpt.pt"
    torch.save(official_checkpoint(config), path)
    assert read_generator_config(path, "a2b") == config
    assert read_generator_config(path, "b2a") == config


def test_inspect_official_checkpoint(official_ckpt):
    info = inspect_checkpoint(official_ckpt)
    assert info.format == OFFICIAL_FORMAT
    assert info.directions == ("a2b", "b2a")
    assert info.discriminators == ("disGA", "disGB", "disLA", "disLB")
    assert info.file_size == official_ckpt.stat().st_size
    assert info.generators["a2b"] == GeneratorConfig(ngf=8, n_blocks=2, img_size=256, light=True)


@pytest.mark.slow
def test_generator_file_round_trip_keeps_weights_config_and_metadata(tmp_path, test_images):
    generator = make_generator(TINY).eval()
    path = tmp_path / "gen.pt"
    save_generator(generator, path, direction="b2a", metadata={"dataset": "synth", "step": 2})

    info = inspect_checkpoint(path)
    assert info.format == GENERATOR_FILE_FORMAT
    assert info.directions == ("b2a",)
    assert info.generators["b2a"] == TINY  # a light model's img_size is kept by the file
    assert info.metadata["dataset"] == "synth" and info.metadata["step"] == 2
    assert "ugatit_deploy_version" in info.metadata

    loaded = load_generator(path, "b2a")
    for key, value in generator.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    with torch.no_grad():
        assert torch.equal(loaded(test_images)[0], generator(test_images)[0])


def test_generator_file_loads_with_plain_torch_load_weights_only(tmp_path):
    path = tmp_path / "gen.pt"
    save_generator(make_generator(TINY), path)
    payload = torch.load(path, weights_only=True)
    assert payload["format"] == "ugatit-deploy/generator" and payload["format_version"] == 1
    assert payload["config"] == {"ngf": 8, "n_blocks": 2, "img_size": 64, "light": True}


@pytest.mark.slow
def test_official_to_generator_file_to_loaded_model(official_ckpt, tmp_path, test_images):
    original = load_generator(official_ckpt, "b2a")
    path = tmp_path / "b2a.pt"
    save_generator(original, path, direction="b2a")
    with torch.no_grad():
        assert torch.equal(load_generator(path, "b2a")(test_images)[0], original(test_images)[0])


def test_save_never_leaves_a_partial_file(tmp_path, monkeypatch):
    path = tmp_path / "gen.pt"
    save_generator(make_generator(TINY), path)
    before = path.read_bytes()

    def explode(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", explode)
    with pytest.raises(KeyboardInterrupt):
        save_generator(make_generator(TINY, seed=5), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["gen.pt"]


# --- bad input: each case gives one CheckpointError line --------------------------------------------


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_checkpoint_raises_one_clear_line(tmp_path, official_ckpt, monkeypatch, case):
    monkeypatch.chdir(tmp_path)
    path, message = bad_checkpoints(tmp_path, official_ckpt)[case]
    with pytest.raises(CheckpointError) as error:
        load_generator(path)
    assert message in str(error.value)
    assert "\n" not in str(error.value)
    assert not (tmp_path / "PWNED").exists()


@pytest.mark.parametrize("direction", ["c2d", "", "ab"])
def test_unknown_direction(official_ckpt, direction):
    with pytest.raises(CheckpointError, match="unknown direction .*: use one of a2b, b2a"):
        load_generator(official_ckpt, direction=direction)


def test_direction_absent_from_the_file(tmp_path):
    path = tmp_path / "gen.pt"
    save_generator(make_generator(TINY), path, direction="a2b")
    with pytest.raises(CheckpointError, match=r"has no b2a generator \(available: a2b\)"):
        load_generator(path, direction="b2a")


def test_direction_is_case_insensitive(official_ckpt):
    assert not load_generator(official_ckpt, direction="B2A").training
