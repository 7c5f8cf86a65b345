"""``ugatit-deploy train-cartoon`` (and ``training/train_cartoon.py``): how the built-in model was made."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner
from PIL import Image
from support.paths import REPO

from ugatit_deploy.cli import main
from ugatit_deploy.core.reference_images import photo_paths

TINY = ["--ngf", "4", "--n-res", "1", "--img-size", "32", "--crop", "16", "--batch-size", "2", "--eval-images", "2",
        "--eval-freq", "2", "--save-freq", "2", "--holdout-every", "4", "--no-bf16", "--no-progress"]  # fmt: skip


@pytest.mark.slow
def test_train_cartoon_trains_and_reports_the_held_out_score(tmp_path):
    for index, path in enumerate(photo_paths() * 2):
        Image.open(path).convert("RGB").resize((40, 40)).save(tmp_path / f"{index}.png")
    out = tmp_path / "run"
    result = CliRunner().invoke(main, ["train-cartoon", "--photos", str(tmp_path), "--out", str(out),
                                       "--iterations", "2", *TINY])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"done: 2 steps; generator {out / 'cartoon_a2b.pt'}" in result.output
    assert "held-out task PSNR" in result.output and (out / "state.pt").is_file()


@pytest.mark.slow
def test_a_missing_photo_folder_is_one_line_and_exit_1(tmp_path):
    result = subprocess.run([sys.executable, str(REPO / "training" / "train_cartoon.py"), "--photos",
                             str(tmp_path / "nope"), "--out", str(tmp_path / "run")],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: photo folder not found: {tmp_path / 'nope'}"
    assert not (tmp_path / "run").exists()


def test_the_help_says_how_the_built_in_model_was_made():
    result = CliRunner().invoke(main, ["train-cartoon", "--help"])
    assert result.exit_code == 0 and "cartoonize()" in result.output and "--holdout-every" in result.output
