"""The task score in a bench: for a model trained to reproduce ``cartoonize``, how close each backend's
images of the bundled photos are to the photos' cartoons (``training.task_score``), beside parity.

A model says it was trained on that task in its checkpoint metadata (``core.reference_images.trained_on_photos``);
for any other model the score would mean nothing and is not measured.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..core.parity import to_uint8
from ..training.task_score import TaskScore, cartoons_of, task_score

TASK_SET = "photos"  # the input set the score is taken on (natural photos the model never trained on)


@dataclass(frozen=True)
class TaskInputs:
    """The photos the score is taken on (uint8, N x H x W x 3), their cartoons, and where they sit in the inputs."""

    photos: np.ndarray
    cartoons: np.ndarray
    start: int
    stop: int

    @classmethod
    def of(cls, images: np.ndarray, sets: Mapping[str, Sequence[int]]) -> TaskInputs | None:
        """From the bench's N x 3 x H x W inputs in [-1, 1]; None when there is no photo set."""
        if TASK_SET not in sets:
            return None
        start, stop = sets[TASK_SET]
        photos = to_uint8(images[start:stop]).transpose(0, 2, 3, 1).copy()
        return cls(photos, cartoons_of(photos), start, stop)

    def score(self, outputs: np.ndarray) -> TaskScore:
        """The task score of a backend's N x 3 x H x W outputs (in [-1, 1]) of all the bench's inputs."""
        images = to_uint8(np.nan_to_num(outputs[self.start : self.stop])).transpose(0, 2, 3, 1).copy()
        return task_score(self.photos, images, self.cartoons)
