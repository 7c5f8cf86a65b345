"""The task score: outputs against ``cartoonize(input)``, beside the inputs' own score."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from ugatit_deploy.core.reference_images import photo_paths
from ugatit_deploy.training.task_score import TaskScore, cartoons_of, task_score


@pytest.fixture(scope="module")
def photos() -> np.ndarray:
    return np.stack([np.asarray(Image.open(p).convert("RGB")) for p in photo_paths()])


@pytest.mark.slow
def test_doing_nothing_scores_the_inputs_own_score(photos):
    score = task_score(photos, photos.copy())
    assert score.images == len(photos)
    assert score.psnr_db == score.input_psnr_db and score.ssim == score.input_ssim
    assert score.gain_db == 0.0


@pytest.mark.slow
def test_a_perfect_cartoon_scores_infinite_psnr_and_ssim_one(photos):
    score = task_score(photos, cartoons_of(photos))
    assert math.isinf(score.psnr_db) and score.ssim == pytest.approx(1.0)
    # Measured: the bundled photos are 15.9 dB (SSIM 0.51) from their cartoons, on average.
    assert 10 < score.input_psnr_db < 20 and score.input_ssim < 0.8


@pytest.mark.slow
def test_passing_the_cartoons_gives_the_same_score(photos):
    outputs = np.clip(photos.astype(int) + 9, 0, 255).astype(np.uint8)
    assert task_score(photos, outputs) == task_score(photos, outputs, cartoons_of(photos))


def test_the_score_round_trips_through_json(photos):
    score = task_score(photos[:1], photos[:1])
    assert TaskScore.from_dict(score.to_dict(), "task") == score
    assert list(score.to_dict()) == ["images", "psnr_db", "ssim", "input_psnr_db", "input_ssim"]


def test_mismatched_stacks_are_refused(photos):
    with pytest.raises(ValueError, match="matching uint8"):
        task_score(photos, photos[:2])
    with pytest.raises(ValueError, match="matching uint8"):
        task_score(photos, photos.astype(np.float32))
