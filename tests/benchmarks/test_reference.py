"""The bench's reference images (``benchmarks.reference``): PyTorch's, computed once and then read from the cache."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ugatit_deploy.benchmarks import reference
from ugatit_deploy.core.reference_images import reference_batch
from ugatit_deploy.export import reuse
from ugatit_deploy.model import ResnetGenerator


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("UGATIT_DEPLOY_CACHE", str(tmp_path))
    return tmp_path


def _counting(monkeypatch) -> list[int]:
    calls: list[int] = []
    forward = ResnetGenerator.forward
    monkeypatch.setattr(ResnetGenerator, "forward", lambda self, x: calls.append(len(x)) or forward(self, x))
    return calls


def test_the_reference_is_the_generators_output_and_a_second_bench_reads_it(tiny_checkpoints, own_cache,
                                                                            monkeypatch):  # fmt: skip
    checkpoint, images = tiny_checkpoints["light"], reference_batch(64, 2).numpy()
    calls, lines = _counting(monkeypatch), []
    reuse._OUTPUTS.clear()  # whatever an earlier test computed
    first = reference.reference_images(checkpoint, "a2b", images, lines.append)
    _, generator = reuse.opened_generator(str(checkpoint), "a2b")
    with torch.no_grad():
        expected = torch.cat([generator(torch.from_numpy(images[i : i + 1]))[0] for i in range(len(images))])
    np.testing.assert_array_equal(first, expected.numpy())
    assert calls[: len(images)] == [1] * len(images) and lines == []
    reuse._OUTPUTS.clear()  # a new process: nothing in memory
    calls.clear()
    again = reference.reference_images(checkpoint, "a2b", images, lines.append)
    assert calls == [] and np.array_equal(again, first)
    assert len(lines) == 1 and lines[0].startswith("reusing the PyTorch FP32 reference images computed earlier")


def test_other_images_a_damaged_entry_or_another_thread_count_compute_it_again(tiny_checkpoints, own_cache,
                                                                              monkeypatch):  # fmt: skip
    checkpoint, images = tiny_checkpoints["light"], reference_batch(64, 2).numpy()
    reference.reference_images(checkpoint, "a2b", images, print)
    key = reference.reference_key(checkpoint, "a2b", images)
    flipped = images[:, :, ::-1].copy()
    assert reference.reference_key(checkpoint, "a2b", flipped) != key
    assert reference.reference_key(checkpoint, "b2a", images) != key
    threads = torch.get_num_threads()
    monkeypatch.setattr(torch, "get_num_threads", lambda: threads + 1)
    assert reference.reference_key(checkpoint, "a2b", images) != key
    monkeypatch.undo()
    (own_cache / reference.REFERENCE / key / "value.npy").write_bytes(b"damaged")
    lines: list[str] = []
    reference.reference_images(checkpoint, "a2b", images, lines.append)
    assert lines == []  # computed, not read


def test_exports_of_the_same_process_validate_on_the_references_already_computed(tiny_checkpoints, own_cache,
                                                                                  monkeypatch):  # fmt: skip
    checkpoint, images = tiny_checkpoints["light"], reference_batch(64, 2).numpy()
    reference.reference_images(checkpoint, "a2b", images, print)
    calls = _counting(monkeypatch)
    _, generator = reuse.opened_generator(str(checkpoint), "a2b")
    reuse.torch_outputs(generator, torch.from_numpy(images[1:]))
    assert calls == []
