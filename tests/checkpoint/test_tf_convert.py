"""The official TensorFlow checkpoints (``checkpoint.tf_convert``): the TF-variant generator reproduces what
TensorFlow computed, smoothing and architecture come from the checkpoint."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch
from support.tf_fixtures import CASES, FOLDERS, SCOPES, assert_reproduces, cli, tf_inputs

from ugatit_deploy.checkpoint import TF_FORMAT, inspect_checkpoint, open_generator


@pytest.mark.parametrize(("kind", "direction"), CASES)
def test_the_tf_variant_reproduces_tensorflow_to_1e_4(kind, direction):
    info, generator = open_generator(FOLDERS[kind], direction)
    assert info.format == TF_FORMAT and type(generator).__name__ == "TFResnetGenerator"
    with torch.no_grad():
        got = [t.numpy() for t in generator(tf_inputs(kind))]
    assert_reproduces(got, f"{kind}/{SCOPES[direction]}", 1e-4)


@pytest.mark.parametrize("direction", SCOPES)
def test_without_smoothing_it_reproduces_tensorflow_too_and_the_flag_matters(direction):
    _, generator = open_generator(FOLDERS["light"], direction, smoothing=True)
    unsmoothed = open_generator(FOLDERS["light"], direction, smoothing=None)[1]
    for module in unsmoothed.modules():
        if hasattr(module, "smoothing"):
            module.smoothing = False
    x = tf_inputs("light")
    with torch.no_grad():
        got = [t.numpy() for t in unsmoothed(x)]
        smoothed = generator(x)[0].numpy()
    assert_reproduces(got, f"light/nosmooth/{SCOPES[direction]}", 1e-4)
    assert np.abs(smoothed - got[0]).max() > 1e-2  # a wrong flag would be caught


def test_architecture_smoothing_and_notes_come_from_the_checkpoint():
    light, full = inspect_checkpoint(FOLDERS["light"]), inspect_checkpoint(FOLDERS["full"])
    assert light.config_for("a2b").to_dict() == {"ngf": 4, "n_blocks": 4, "img_size": 256, "light": True,
                                                 "variant": "tensorflow", "smoothing": True}  # fmt: skip
    assert full.config_for("b2a").to_dict() == {"ngf": 4, "n_blocks": 4, "img_size": 64, "light": False,
                                                "variant": "tensorflow", "smoothing": True}  # fmt: skip
    assert light.discriminators == ("discriminator_A", "discriminator_B")
    assert light.notes == (
        f"the checkpoint state file points to /home/author/UGATIT/checkpoint/{FOLDERS['light'].name}/"
        "UGATIT_light.model-2, which is not here; using UGATIT_light.model-2 here",
        "AdaLIN smoothing on: the folder name ends in _smoothing",
    )


def test_a_folder_name_without_the_suffix_takes_the_official_default_or_the_flag(tmp_path):
    folder = tmp_path / "UGATIT_light_renamed"
    shutil.copytree(FOLDERS["light"], folder)
    info = inspect_checkpoint(folder)
    assert info.config_for("a2b").smoothing and "the official default" in info.notes[-1]
    assert not inspect_checkpoint(folder, smoothing=False).config_for("a2b").smoothing
    result = cli("convert", "--tf-ckpt", FOLDERS["light"], "--out", tmp_path / "x.pt", "--no-smoothing")
    assert result.exit_code == 1 and "contradicts the folder name" in result.output
    assert not (tmp_path / "x.pt").exists()
