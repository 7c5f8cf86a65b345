"""What a served model accepts (``serving.checks``), checked before any runner sees a request."""

from __future__ import annotations

import numpy as np
import pytest

from ugatit_deploy.serving.checks import Limits, request_problem


@pytest.mark.parametrize(
    ("shape", "light", "problem"),
    [
        ((2, 3, 64, 96), True, None),
        ((1, 3, 64, 96), False, "this full model takes 64 x 64 images only, got 64 x 96"),
        ((0, 3, 64, 64), True, "empty batch: send at least one image"),
    ],
)
def test_request_checks(shape, light, problem):
    assert request_problem(np.zeros(shape, np.float32), Limits(light, 64, 512)) == problem


def test_an_oversized_request_names_the_shared_limit_and_how_to_raise_it():
    problem = request_problem(np.zeros((1, 3, 2048, 64), np.float32), Limits(True, 64, 1024))
    assert problem == ("images are limited to 1024 px per side, got 2048 x 64 (raise it with serve --max-model-size "
                       "or UGATIT_MAX_MODEL_SIZE)")  # fmt: skip
