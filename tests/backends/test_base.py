"""The backend interface (``backends.base``): what ``run`` does with a batch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ugatit_deploy.backends import Availability, Backend, BackendError, BackendInfo, create_backend

pytestmark = pytest.mark.slow  # its fixtures export or train (seconds each): not the inner loop


class _Recording(Backend):
    """A runner that records the hooks ``run`` calls and the values passed between them."""

    def __init__(self) -> None:
        self.info = BackendInfo("recording", "fp32", Path("none"))
        self.calls: list[tuple[str, object]] = []

    def availability(self) -> Availability:
        return Availability.yes()

    def load(self) -> None:
        self.calls.append(("load", None))

    def stage(self, images):
        self.calls.append(("stage", images))
        return "staged"

    def execute(self, staged):
        self.calls.append(("execute", staged))
        return "result"

    def fetch(self, result):
        self.calls.append(("fetch", result))
        return np.full((1, 3, 8, 8), 0.5, np.float32)


def test_run_stages_a_contiguous_float32_batch_then_executes_then_fetches():
    backend = _Recording()
    batch = np.zeros((1, 3, 8, 8), dtype=np.float64)[..., ::-1]  # float64 and not contiguous
    out = backend.run(batch)
    assert [name for name, _ in backend.calls] == ["stage", "execute", "fetch"]
    staged = backend.calls[0][1]
    assert staged.dtype == np.float32 and staged.flags.c_contiguous and staged.shape == (1, 3, 8, 8)
    assert backend.calls[1][1] == "staged" and backend.calls[2][1] == "result"
    np.testing.assert_array_equal(out, np.full((1, 3, 8, 8), 0.5, np.float32))


def test_a_runner_used_as_a_context_manager_loads_and_closes():
    backend = _Recording()
    backend.close = lambda: backend.calls.append(("close", None))  # type: ignore[method-assign]
    with backend as entered:
        assert entered is backend
    assert [name for name, _ in backend.calls] == ["load", "close"]


def test_run_rejects_a_batch_that_is_not_bx3xhxw(tiny):
    with create_backend("torch-cpu", tiny["ckpt"]) as backend, pytest.raises(BackendError, match="B x 3 x H x W"):
        backend.run(np.zeros((3, 64, 64), np.float32))
