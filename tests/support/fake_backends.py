"""A backend that runs nothing, for tests of what the bench does around a runner."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ugatit_deploy.backends.base import Availability, Backend, BackendInfo


class PassThrough(Backend):
    """Available, loads nothing; stage and fetch hand the arrays on and ``execute`` returns its input (subclasses
    give it something to do)."""

    def __init__(self, info: BackendInfo | None = None) -> None:
        self.info = info or BackendInfo("fake-cpu", "fp32", Path("fake.onnx"))

    def availability(self) -> Availability:
        return Availability.yes()

    def load(self) -> None:
        pass

    def stage(self, images: np.ndarray) -> np.ndarray:
        return images

    def execute(self, staged: np.ndarray) -> np.ndarray:
        return staged

    def fetch(self, result: np.ndarray) -> np.ndarray:
        return result
