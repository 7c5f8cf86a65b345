"""The task score in a bench: for a model trained to reproduce ``cartoonize``, how close each backend's
images of the bundled photos (or of the ``--images`` folder) are to the photos' cartoons
(``training.task_score``), beside parity.

A model says it was trained on that task in its checkpoint metadata (``core.reference_images.trained_on_photos``);
for any other model the score would mean nothing and is not measured.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..core.parity import to_uint8
from ..training.task_score import TaskScore, cartoons_of, task_score

# The input sets the score is taken on: the bundled photos (never trained on), or the user's --images folder
# (``suite.image_sets``); never the demo circles.
TASK_SETS = ("photos", "images")
# How far a mode's task PSNR may fall below PyTorch FP32's before the mode fails its gate (the lossy gate's
# task clause: a precision the main job may choose keeps the task score within 1 dB of FP32).
TASK_TOLERANCE_DB = 1.0


@dataclass(frozen=True)
class TaskInputs:
    """The photos the score is taken on (uint8, N x H x W x 3), their cartoons, and where they sit in the inputs."""

    photos: np.ndarray
    cartoons: np.ndarray
    start: int
    stop: int
    reference_psnr_db: float | None = None  # PyTorch FP32's task PSNR on the same photos

    @classmethod
    def of(cls, images: np.ndarray, sets: Mapping[str, Sequence[int]],
           reference: np.ndarray | None = None) -> TaskInputs | None:  # fmt: skip
        """From the bench's N x 3 x H x W inputs in [-1, 1] (and the FP32 reference outputs, whose score the
        others are held to); None when there is no photo set."""
        name = next((name for name in TASK_SETS if name in sets), None)
        if name is None:
            return None
        start, stop = sets[name]
        photos = to_uint8(images[start:stop]).transpose(0, 2, 3, 1).copy()
        task = cls(photos, cartoons_of(photos), start, stop)
        if reference is None:
            return task
        return cls(task.photos, task.cartoons, start, stop, task.score(reference).psnr_db)

    def shortfall(self, score: TaskScore, tolerance_db: float = TASK_TOLERANCE_DB) -> str | None:
        """Why ``score`` fails the task clause (more than ``tolerance_db`` below FP32's), or None."""
        if self.reference_psnr_db is None or score.psnr_db >= self.reference_psnr_db - tolerance_db:
            return None
        return (
            f"task PSNR {score.psnr_db:.2f} dB is {self.reference_psnr_db - score.psnr_db:.2f} dB below "
            f"FP32's {self.reference_psnr_db:.2f} dB (allowed: {tolerance_db:g} dB)"
        )

    def score(self, outputs: np.ndarray) -> TaskScore:
        """The task score of a backend's N x 3 x H x W outputs (in [-1, 1]) of all the bench's inputs."""
        images = to_uint8(np.nan_to_num(outputs[self.start : self.stop])).transpose(0, 2, 3, 1).copy()
        return task_score(self.photos, images, self.cartoons)
