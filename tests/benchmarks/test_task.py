"""The task score in a bench: which models are scored, on which inputs, and how it is recorded."""

from __future__ import annotations

import numpy as np
import pytest

from ugatit_deploy.benchmarks.records import BenchRecord
from ugatit_deploy.benchmarks.task import TaskInputs
from ugatit_deploy.core.reference_images import reference_batch, trained_on_photos


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return reference_batch(64).numpy()  # 4 photos, then 4 circles


def test_only_a_model_trained_on_cartoonize_is_scored():
    assert trained_on_photos({"task": "cartoonize (ugatit_deploy.training.cartoonize)"})
    assert not trained_on_photos({"trained_steps": 2000, "dataset": "data/shapes"})
    assert not trained_on_photos({})


def test_the_score_is_taken_on_the_photo_set_only(images):
    task = TaskInputs.of(images, {"photos": [0, 4], "demo": [4, 8]})
    assert task is not None and task.photos.shape == task.cartoons.shape == (4, 64, 64, 3)
    outputs = images.copy()
    outputs[4:] = np.nan  # the circles' outputs do not count
    assert task.score(outputs).images == 4
    assert task.score(outputs).psnr_db == task.score(images).input_psnr_db


def test_an_images_folder_is_scored_whole(images):
    """--images: the user's photos, one set; the score is taken on every image of it."""
    task = TaskInputs.of(images[:4], {"images": [0, 4]})
    assert task is not None and task.score(images[:4]).images == 4


def test_inputs_without_a_photo_set_are_not_scored(images):
    assert TaskInputs.of(images, {"demo": [0, 8]}) is None


def test_a_record_writes_its_task_score_and_reads_it_back(images):
    task = TaskInputs.of(images, {"photos": [0, 4]})
    record = BenchRecord(backend="torch-eager", form="fp32", batch=1, label="torch eager fp32", status="ok",
                         task=task.score(images))  # fmt: skip
    data = record.to_dict()
    assert list(data)[-1] == "task" and BenchRecord.from_dict(data) == record
    assert "task" not in BenchRecord.from_dict({**data, "task": None}).to_dict()


def test_a_mode_within_one_db_of_fp32s_task_score_has_no_shortfall(images):
    reference = np.clip(images + 0.01, -1, 1)  # stand-in FP32 outputs
    task = TaskInputs.of(images, {"photos": [0, 4]}, reference)
    assert task.reference_psnr_db == pytest.approx(task.score(reference).psnr_db)
    assert task.shortfall(task.score(reference)) is None


def test_a_mode_more_than_one_db_below_fp32s_task_score_fails_with_the_figures(images):
    task = TaskInputs.of(images, {"photos": [0, 4]}, images)  # FP32 "outputs" = the photos themselves
    noisy = np.clip(images + np.random.default_rng(0).normal(0, 0.3, images.shape), -1, 1).astype(np.float32)
    score = task.score(noisy)
    drop = task.reference_psnr_db - score.psnr_db
    assert drop > 1.0
    assert task.shortfall(score) == (f"task PSNR {score.psnr_db:.2f} dB is {drop:.2f} dB below FP32's "
                                     f"{task.reference_psnr_db:.2f} dB (allowed: 1 dB)")  # fmt: skip


def test_without_a_reference_the_task_score_is_not_gated(images):
    task = TaskInputs.of(images, {"photos": [0, 4]})
    assert task.reference_psnr_db is None and task.shortfall(task.score(images * 0)) is None
